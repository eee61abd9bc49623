"""anonymizer: policies, bindings to recipients, privacy budgets

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "anonymizer_policies",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("secret", sa.LargeBinary(length=64), nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymizer_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_anonymizer_policies_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_anonymizer_policies_uuid")),
    )
    op.create_table(
        "anonymizer_bindings",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ident", sa.String(length=255), nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["anonymizer_policies.id"],
            name=op.f("fk_anonymizer_bindings_policy_id_anonymizer_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymizer_bindings")),
        sa.UniqueConstraint("kind", "ident", name=op.f("uq_anonymizer_bindings_kind_ident")),
    )
    op.create_table(
        "privacy_budgets",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ident", sa.String(length=255), nullable=False),
        sa.Column("epsilon_total", sa.Float(), nullable=False),
        sa.Column("epsilon_spent", sa.Float(), server_default="0", nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_budgets")),
        sa.UniqueConstraint("kind", "ident", name=op.f("uq_privacy_budgets_kind_ident")),
    )


def downgrade() -> None:
    op.drop_table("privacy_budgets")
    op.drop_table("anonymizer_bindings")
    op.drop_table("anonymizer_policies")
