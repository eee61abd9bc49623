"""Leases on sync runs: one run per server and direction at a time, across processes
(each call its own short transaction, so the lease is visible to the others at once)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.storage.core.driver import insert_ignore
from threatmesh.storage.sync.tables import sync_leases as L


def _key(server_id: int, direction: str) -> sa.ColumnElement[bool]:
    return sa.and_(L.c.server_id == server_id, L.c.direction == direction)


def claim(
    conn: Connection,
    server_id: int,
    direction: str,
    holder: str,
    now: int,
    ttl: int,
    *,
    replacing: str | None = None,
) -> bool:
    """Take (or renew) the lease for ``holder`` until ``now + ttl``: True if it is
    ``holder``'s now, False if another run holds it and it has not expired (unless
    that run is ``replacing``: its process is gone)."""
    conn.execute(
        insert_ignore(conn, L).values(
            server_id=server_id, direction=direction, holder=holder, expires=0
        )
    )
    free = sa.or_(L.c.holder == holder, L.c.expires <= now, L.c.holder == (replacing or holder))
    taken = conn.execute(
        L.update().where(_key(server_id, direction), free).values(holder=holder, expires=now + ttl)
    )
    return taken.rowcount == 1


def holder(conn: Connection, server_id: int, direction: str, now: int) -> str | None:
    """Who holds the lease at ``now`` (None: nobody, or it expired)."""
    q = sa.select(L.c.holder).where(_key(server_id, direction), L.c.expires > now)
    found = conn.execute(q).scalar()
    return None if found is None else str(found)


def release(conn: Connection, server_id: int, direction: str, holder: str) -> None:
    """Give the lease up (if ``holder`` still has it)."""
    conn.execute(
        L.update().where(_key(server_id, direction), L.c.holder == holder).values(expires=0)
    )
