"""outbox: notifications written with the changes they tell of

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), server_default="", nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("event_uuid", sa.String(length=36), server_default="", nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_undelivered",
            ["id"],
            unique=False,
            sqlite_where=sa.text("delivered IS NULL"),
            postgresql_where=sa.text("delivered IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_notifications_undelivered",
            sqlite_where=sa.text("delivered IS NULL"),
            postgresql_where=sa.text("delivered IS NULL"),
        )
    op.drop_table("notifications")
