"""instance-to-instance sync: server settings, cursors and the sync log

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("servers") as batch:
        batch.add_column(sa.Column("org_id", _ID, server_default="0", nullable=False))
        batch.add_column(
            sa.Column("push_sightings", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("pull_rules", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("push_rules", sa.Text(), server_default="", nullable=False))
        batch.add_column(
            sa.Column("self_signed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("internal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("uuid", sa.String(36), server_default="", nullable=False))
    op.create_table(
        "sync_cursors",
        sa.Column("server_id", _ID, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("position", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_sync_cursors_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("server_id", "direction", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sync_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("server_id", _ID, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("event_uuid", sa.String(36), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("synced", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_sync_log_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_log")),
        sa.UniqueConstraint(
            "server_id",
            "direction",
            "event_uuid",
            name=op.f("uq_sync_log_server_id_direction_event_uuid"),
        ),
    )


def downgrade() -> None:
    op.drop_table("sync_log")
    op.drop_table("sync_cursors")
    with op.batch_alter_table("servers") as batch:
        for name in ("uuid", "internal", "self_signed", "push_rules", "pull_rules"):
            batch.drop_column(name)
        batch.drop_column("push_sightings")
        batch.drop_column("org_id")
