"""Feeds (MISP's ``Feed``): the sources an instance may fetch events from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.collab.tables import feeds as F

#: Columns a client may set (the others are the server's).
EDITABLE = tuple(str(c.name) for c in F.columns if c.name not in ("id", "default"))


def entries(conn: Connection, *, enabled_only: bool = False) -> list[RowMapping]:
    """Every feed by id (only enabled ones with ``enabled_only``)."""
    q = sa.select(F).order_by(F.c.id)
    if enabled_only:
        q = q.where(F.c.enabled.is_(True))
    return list(conn.execute(q).mappings())


def find(conn: Connection, ref: str) -> RowMapping | None:
    """The feed with id ``ref``."""
    num = as_id(ref)
    if num is None:
        return None
    return conn.execute(sa.select(F).where(F.c.id == num)).mappings().first()


def urls(conn: Connection) -> set[str]:
    """The URLs of the stored feeds."""
    return set(conn.execute(sa.select(F.c.url)).scalars())


def count(conn: Connection) -> int:
    """How many feeds are stored."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(F)).scalar_one())


def insert(conn: Connection, values: Mapping[str, Any]) -> int:
    """Store a feed; its id."""
    return int(conn.execute(F.insert().values(**values).returning(F.c.id)).scalar_one())


def insert_many(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store feeds in order (ids follow it)."""
    for row in rows:
        insert(conn, row)


def update(conn: Connection, feed_id: int, values: Mapping[str, Any]) -> None:
    """Change a feed's columns."""
    if values:
        conn.execute(F.update().where(F.c.id == feed_id).values(**values))


def delete(conn: Connection, feed_id: int) -> None:
    """Remove a feed."""
    conn.execute(F.delete().where(F.c.id == feed_id))
