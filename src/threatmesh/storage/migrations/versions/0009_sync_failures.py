"""sync failures: events a sync could not send or receive, with the reason

One row per event and peer, kept until the event goes through: pushes and pulls
that failed (retried with backoff after the rest of a run), and events this instance
could not serve to a remote sync user (shown to the site admin).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sync_failures",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("server_id", _ID, nullable=True),
        sa.Column("event_uuid", sa.String(36), nullable=False),
        sa.Column("event_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_failed", sa.BigInteger(), nullable=False),
        sa.Column("last_failed", sa.BigInteger(), nullable=False),
        sa.Column("retry_at", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_sync_failures_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_failures")),
        sa.UniqueConstraint(
            "direction",
            "recipient",
            "event_uuid",
            name=op.f("uq_sync_failures_direction_recipient_event_uuid"),
        ),
    )


def downgrade() -> None:
    op.drop_table("sync_failures")
