"""attribute proposals: MISP's ``shadow_attributes`` (issue 16)

Revision ID: 0020
Revises: 0019 (re-chained at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "shadow_attributes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("old_id", _ID, nullable=True),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=False),
        sa.Column("value1", sa.Text(), nullable=False),
        sa.Column("value2", sa.Text(), server_default="", nullable=False),
        sa.Column("to_ids", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("email", sa.String(length=255), server_default="", nullable=False),
        sa.Column("proposal_to_delete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("disable_correlation", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=True),
        sa.Column("last_seen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_shadow_attributes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["old_id"],
            ["attributes.id"],
            name=op.f("fk_shadow_attributes_old_id_attributes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_shadow_attributes_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_shadow_attributes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_attributes")),
    )
    for column in ("event_id", "old_id", "org_id"):
        op.create_index(
            op.f(f"ix_shadow_attributes_{column}"), "shadow_attributes", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("shadow_attributes")
