"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:52:12.758804
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("type", sa.String(length=255), server_default="", nullable=False),
        sa.Column("nationality", sa.String(length=255), server_default="", nullable=False),
        sa.Column("sector", sa.String(length=255), server_default="", nullable=False),
        sa.Column("contacts", sa.Text(), server_default="", nullable=False),
        sa.Column("local", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_by",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_organisations_uuid")),
    )
    op.create_table(
        "roles",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("default_role", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.Column("perm_add", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_modify", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_modify_org", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_publish", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_publish_zmq", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_publish_kafka", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_sync", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_audit", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_full", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_auth", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_regexp_access", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_tagger", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_site_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_template", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_sharing_group", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_tag_editor", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_delegate", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_sighting", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_object_template", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_decaying", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_galaxy_editor", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_warninglist", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "perm_view_feed_correlations", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("perm_analyst_data", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perm_skip_otp", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "servers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("authkey", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "remote_org_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("push", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("pull", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_servers")),
    )
    op.create_table(
        "tags",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("colour", sa.String(length=7), server_default="#0088cc", nullable=False),
        sa.Column("exportable", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "org_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("hide_tag", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("numerical_value", sa.Integer(), nullable=True),
        sa.Column("is_galaxy", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_custom_galaxy", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("local_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("orgc_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("info", sa.Text(), nullable=False),
        sa.Column("threat_level_id", sa.SmallInteger(), server_default="4", nullable=False),
        sa.Column("analysis", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "sharing_group_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("publish_timestamp", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("sighting_timestamp", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("attribute_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("disable_correlation", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("proposal_email_lock", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("extends_uuid", sa.String(length=36), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_events_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["orgc_id"], ["organisations.id"], name=op.f("fk_events_orgc_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("uuid", name=op.f("uq_events_uuid")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_orgc_id"), ["orgc_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_events_publish_timestamp"), ["publish_timestamp"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_timestamp"), ["timestamp"], unique=False)

    op.create_table(
        "sharing_groups",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("releasability", sa.Text(), server_default="", nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("roaming", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("local", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_sharing_groups_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_sharing_groups_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sharing_groups_uuid")),
    )
    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("autoalert", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("contactalert", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("termsaccepted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("change_pw", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_modified", sa.BigInteger(), nullable=False),
        sa.Column("last_login", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_users_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name=op.f("fk_users_role_id_roles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "attributes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "object_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("object_relation", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=False),
        sa.Column("value1", sa.Text(), nullable=False),
        sa.Column("value2", sa.Text(), server_default="", nullable=False),
        sa.Column("to_ids", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="5", nullable=False),
        sa.Column(
            "sharing_group_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("disable_correlation", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=True),
        sa.Column("last_seen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_attributes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attributes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_attributes_uuid")),
    )
    with op.batch_alter_table("attributes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attributes_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attributes_value1"), ["value1"], unique=False)
        batch_op.create_index(
            "ix_attributes_value2",
            ["value2"],
            unique=False,
            sqlite_where=sa.text("value2 <> ''"),
            postgresql_where=sa.text("value2 <> ''"),
        )

    op.create_table(
        "auth_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("authkey_hash", sa.String(length=64), nullable=False),
        sa.Column("authkey_start", sa.String(length=4), nullable=False),
        sa.Column("authkey_end", sa.String(length=4), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("expiration", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_keys")),
        sa.UniqueConstraint("authkey_hash", name=op.f("uq_auth_keys_authkey_hash")),
        sa.UniqueConstraint("uuid", name=op.f("uq_auth_keys_uuid")),
    )
    op.create_table(
        "event_tags",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("local", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_tags_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_event_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_tags")),
        sa.UniqueConstraint("event_id", "tag_id", name=op.f("uq_event_tags_event_id_tag_id")),
    )
    with op.batch_alter_table("event_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "objects",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("meta_category", sa.String(length=255), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("template_uuid", sa.String(length=36), server_default="", nullable=False),
        sa.Column("template_version", sa.String(length=16), server_default="", nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="5", nullable=False),
        sa.Column(
            "sharing_group_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=True),
        sa.Column("last_seen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_objects_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objects")),
        sa.UniqueConstraint("uuid", name=op.f("uq_objects_uuid")),
    )
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objects_event_id"), ["event_id"], unique=False)

    op.create_table(
        "sharing_group_orgs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "sharing_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("extend", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_sharing_group_orgs_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_sharing_group_orgs_sharing_group_id_sharing_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_group_orgs")),
        sa.UniqueConstraint(
            "sharing_group_id", "org_id", name=op.f("uq_sharing_group_orgs_sharing_group_id_org_id")
        ),
    )
    with op.batch_alter_table("sharing_group_orgs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_group_orgs_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sharing_group_servers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "sharing_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("all_orgs", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_sharing_group_servers_sharing_group_id_sharing_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_group_servers")),
        sa.UniqueConstraint(
            "sharing_group_id",
            "server_id",
            name=op.f("uq_sharing_group_servers_sharing_group_id_server_id"),
        ),
    )
    op.create_table(
        "attribute_tags",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "attribute_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("local", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["attributes.id"],
            name=op.f("fk_attribute_tags_attribute_id_attributes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_attribute_tags_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_attribute_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_tags")),
        sa.UniqueConstraint(
            "attribute_id", "tag_id", name=op.f("uq_attribute_tags_attribute_id_tag_id")
        ),
    )
    with op.batch_alter_table("attribute_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attribute_tags_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attribute_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "ip_index",
        sa.Column(
            "attribute_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lo", sa.LargeBinary(length=16), nullable=False),
        sa.Column("hi", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["attributes.id"],
            name=op.f("fk_ip_index_attribute_id_attributes"),
            ondelete="CASCADE",
        ),
    )
    with op.batch_alter_table("ip_index", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ip_index_attribute_id"), ["attribute_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ip_index_lo"), ["lo"], unique=False)
        batch_op.create_index(
            "ix_ip_index_networks",
            ["lo", "hi"],
            unique=False,
            sqlite_where=sa.text("lo <> hi"),
            postgresql_where=sa.text("lo <> hi"),
        )

    op.create_table(
        "object_references",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column(
            "object_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_uuid", sa.String(length=36), nullable=False),
        sa.Column("referenced_uuid", sa.String(length=36), nullable=False),
        sa.Column(
            "referenced_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("referenced_type", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("relationship_type", sa.String(length=255), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_object_references_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_object_references_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_references")),
        sa.UniqueConstraint("uuid", name=op.f("uq_object_references_uuid")),
    )
    with op.batch_alter_table("object_references", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_object_references_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "sightings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column(
            "attribute_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("date_sighting", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=255), server_default="", nullable=False),
        sa.Column("type", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["attributes.id"],
            name=op.f("fk_sightings_attribute_id_attributes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_sightings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sightings")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sightings_uuid")),
    )
    with op.batch_alter_table("sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sightings_attribute_id"), ["attribute_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sightings_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sightings_event_id"))
        batch_op.drop_index(batch_op.f("ix_sightings_attribute_id"))

    op.drop_table("sightings")
    with op.batch_alter_table("object_references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_object_references_event_id"))

    op.drop_table("object_references")
    with op.batch_alter_table("ip_index", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_ip_index_networks",
            sqlite_where=sa.text("lo <> hi"),
            postgresql_where=sa.text("lo <> hi"),
        )
        batch_op.drop_index(batch_op.f("ix_ip_index_lo"))
        batch_op.drop_index(batch_op.f("ix_ip_index_attribute_id"))

    op.drop_table("ip_index")
    with op.batch_alter_table("attribute_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attribute_tags_tag_id"))
        batch_op.drop_index(batch_op.f("ix_attribute_tags_event_id"))

    op.drop_table("attribute_tags")
    op.drop_table("sharing_group_servers")
    with op.batch_alter_table("sharing_group_orgs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_group_orgs_org_id"))

    op.drop_table("sharing_group_orgs")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_event_id"))

    op.drop_table("objects")
    with op.batch_alter_table("event_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_tags_tag_id"))

    op.drop_table("event_tags")
    op.drop_table("auth_keys")
    with op.batch_alter_table("attributes", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_attributes_value2",
            sqlite_where=sa.text("value2 <> ''"),
            postgresql_where=sa.text("value2 <> ''"),
        )
        batch_op.drop_index(batch_op.f("ix_attributes_value1"))
        batch_op.drop_index(batch_op.f("ix_attributes_event_id"))

    op.drop_table("attributes")
    op.drop_table("users")
    op.drop_table("sharing_groups")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_timestamp"))
        batch_op.drop_index(batch_op.f("ix_events_publish_timestamp"))
        batch_op.drop_index(batch_op.f("ix_events_orgc_id"))
        batch_op.drop_index(batch_op.f("ix_events_org_id"))

    op.drop_table("events")
    op.drop_table("tags")
    op.drop_table("servers")
    op.drop_table("roles")
    op.drop_table("organisations")
