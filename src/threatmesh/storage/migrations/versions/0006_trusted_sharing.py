"""trusted sharing: signing keys, UMA resources/policies/tickets, provenance log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:33.300486
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provenance_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance_head")),
    )
    # The chain's head starts at the genesis hash (64 zeros); appenders lock this row.
    op.bulk_insert(
        sa.table(
            "provenance_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.BigInteger),
            sa.column("record_hash", sa.String),
        ),
        [{"id": 1, "seq": 0, "record_hash": "0" * 64}],
    )
    op.create_table(
        "provenance_records",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_provenance_records")),
    )
    with op.batch_alter_table("provenance_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provenance_records_subject"), ["subject"], unique=False
        )

    op.create_table(
        "signing_keys",
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "uma_resources",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column(
            "owner_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_uma_resources_owner_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uma_resources")),
        sa.UniqueConstraint(
            "owner_org_id", "kind", "ref", name=op.f("uq_uma_resources_owner_org_id_kind_ref")
        ),
        sa.UniqueConstraint("resource_id", name=op.f("uq_uma_resources_resource_id")),
    )
    op.create_table(
        "uma_policies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column(
            "resource_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["uma_resources.id"],
            name=op.f("fk_uma_policies_resource_id_uma_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uma_policies")),
        sa.UniqueConstraint("uuid", name=op.f("uq_uma_policies_uuid")),
    )
    with op.batch_alter_table("uma_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_uma_policies_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "uma_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "resource_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["uma_resources.id"],
            name=op.f("fk_uma_tickets_resource_id_uma_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_uma_tickets")),
    )

    op.create_table(
        "reputation_evidence",
        sa.Column(
            "subject_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "source_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_org_id"],
            ["organisations.id"],
            name=op.f("fk_reputation_evidence_subject_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "subject_org_id", "source_org_id", "kind", "item", name=op.f("pk_reputation_evidence")
        ),
    )


def downgrade() -> None:
    op.drop_table("reputation_evidence")
    op.drop_table("uma_tickets")
    with op.batch_alter_table("uma_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uma_policies_resource_id"))

    op.drop_table("uma_policies")
    op.drop_table("uma_resources")
    op.drop_table("signing_keys")
    with op.batch_alter_table("provenance_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_records_subject"))

    op.drop_table("provenance_records")
    op.drop_table("provenance_head")
