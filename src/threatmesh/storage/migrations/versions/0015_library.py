"""the knowledge library: taxonomies, warninglists, noticelists, object templates, galaxies,
galaxy clusters and their relations, decaying models, loaded by each kind's ``update``
(issue 16, WP3)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "galaxies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("icon", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("kill_chain_order", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("local_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_galaxies")),
        sa.UniqueConstraint("uuid", name=op.f("uq_galaxies_uuid")),
    )
    with op.batch_alter_table("galaxies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_galaxies_type"), ["type"], unique=False)

    op.create_table(
        "noticelists",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("expanded_name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_noticelists")),
        sa.UniqueConstraint("name", name=op.f("uq_noticelists_name")),
    )
    op.create_table(
        "object_templates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("meta_category", sa.String(length=255), nullable=False),
        sa.Column("fixed", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_templates")),
        sa.UniqueConstraint("uuid", name=op.f("uq_object_templates_uuid")),
    )
    with op.batch_alter_table("object_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_object_templates_name"), ["name"], unique=False)

    op.create_table(
        "taxonomies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("highlighted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomies")),
        sa.UniqueConstraint("namespace", name=op.f("uq_taxonomies_namespace")),
    )
    op.create_table(
        "warninglists",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("valid_attributes", sa.Text(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warninglists")),
        sa.UniqueConstraint("name", name=op.f("uq_warninglists_name")),
    )
    op.create_table(
        "galaxy_clusters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=255), nullable=False),
        sa.Column("collection_uuid", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("tag_name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "galaxy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="3", nullable=False),
        sa.Column(
            "sharing_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "org_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "orgc_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("extends_uuid", sa.String(length=40), nullable=True),
        sa.Column("extends_version", sa.Integer(), nullable=True),
        sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["galaxy_id"],
            ["galaxies.id"],
            name=op.f("fk_galaxy_clusters_galaxy_id_galaxies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_galaxy_clusters")),
    )
    with op.batch_alter_table("galaxy_clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_galaxy_clusters_galaxy_id"), ["galaxy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_galaxy_clusters_tag_name"), ["tag_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_galaxy_clusters_uuid"), ["uuid"], unique=False)
    op.create_table(
        "galaxy_cluster_relations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "galaxy_cluster_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("referenced_galaxy_cluster_uuid", sa.String(length=255), nullable=False),
        sa.Column("referenced_galaxy_cluster_type", sa.Text(), nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "sharing_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.ForeignKeyConstraint(
            ["galaxy_cluster_id"],
            ["galaxy_clusters.id"],
            name=op.f("fk_galaxy_cluster_relations_galaxy_cluster_id_galaxy_clusters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_galaxy_cluster_relations")),
    )
    with op.batch_alter_table("galaxy_cluster_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_galaxy_cluster_relations_galaxy_cluster_id"),
            ["galaxy_cluster_id"],
            unique=False,
        )
    op.create_table(
        "decaying_models",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("formula", sa.String(length=255), nullable=False),
        sa.Column(
            "org_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("all_orgs", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decaying_models")),
        sa.UniqueConstraint("uuid", name=op.f("uq_decaying_models_uuid")),
    )


def downgrade() -> None:
    op.drop_table("decaying_models")
    with op.batch_alter_table("galaxy_cluster_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_galaxy_cluster_relations_galaxy_cluster_id"))

    op.drop_table("galaxy_cluster_relations")
    with op.batch_alter_table("galaxy_clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_galaxy_clusters_uuid"))
        batch_op.drop_index(batch_op.f("ix_galaxy_clusters_tag_name"))
        batch_op.drop_index(batch_op.f("ix_galaxy_clusters_galaxy_id"))

    op.drop_table("galaxy_clusters")
    op.drop_table("warninglists")
    op.drop_table("taxonomies")
    with op.batch_alter_table("object_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_object_templates_name"))

    op.drop_table("object_templates")
    op.drop_table("noticelists")
    with op.batch_alter_table("galaxies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_galaxies_type"))

    op.drop_table("galaxies")
