"""sync leases: one push run per server at a time

Publishing now pushes in the background (as MISP pushes on publish), next to the
pushes an operator starts; a lease per server and direction keeps two runs, in any
process, from sending the same events at once.

Revision ID: 0014
Revises: 0010 (issue 16's packages land 0011-0013 in parallel; re-chained at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sync_leases",
        sa.Column("server_id", _ID, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_sync_leases_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("server_id", "direction", name=op.f("pk_sync_leases")),
    )


def downgrade() -> None:
    op.drop_table("sync_leases")
