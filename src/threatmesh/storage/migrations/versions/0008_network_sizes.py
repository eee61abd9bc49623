"""network sizes: the prefix lengths CIDR containment has to probe

``ip_network_sizes`` holds the size (host bits) of every network ``ip_index`` holds,
so that an address is probed only at those prefix lengths instead of at all 129, or
instead of reading every stored network (see ``storage.correlation``). Existing
networks give their sizes here, read as one stream.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_log = logging.getLogger("alembic.runtime.migration")
_IP_INDEX = sa.table("ip_index", sa.column("lo", sa.LargeBinary), sa.column("hi", sa.LargeBinary))


def _existing_sizes() -> set[int]:
    # Streamed (a server-side cursor on PostgreSQL); the option goes on the statement,
    # as on the connection it would stay for Alembic's own statements after this one.
    q = (
        sa.select(_IP_INDEX.c.lo, _IP_INDEX.c.hi)
        .where(_IP_INDEX.c.hi.is_not(None))
        .execution_options(stream_results=True, yield_per=10_000)
    )
    sizes: set[int] = set()
    seen = 0
    for lo, hi in op.get_bind().execute(q):
        # model.validation.network_host_bits, written out: a migration must not change
        # when the code it was shipped with does.
        sizes.add((int.from_bytes(lo, "big") ^ int.from_bytes(hi, "big")).bit_length())
        seen += 1
        if seen % 1_000_000 == 0:  # a long read says how far it is
            _log.info("network sizes: %d networks read", seen)
    return sizes


def upgrade() -> None:
    table = op.create_table(
        "ip_network_sizes",
        sa.Column("host_bits", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("host_bits", name=op.f("pk_ip_network_sizes")),
    )
    sizes = _existing_sizes()
    if sizes:
        op.bulk_insert(table, [{"host_bits": bits} for bits in sorted(sizes)])


def downgrade() -> None:
    op.drop_table("ip_network_sizes")
