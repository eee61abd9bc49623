"""Analyst data (MISP's ``Note``, ``Opinion`` and ``Relationship``), one table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.collab.tables import analyst_data as A


def find(conn: Connection, kind: str | None, ref: str) -> RowMapping | None:
    """The record of ``kind`` (any kind: None) with id or UUID ``ref``."""
    num = as_id(ref)
    q = sa.select(A).where(A.c.id == num if num is not None else A.c.uuid == ref.lower())
    if kind is not None:
        q = q.where(A.c.kind == kind)
    return conn.execute(q).mappings().first()


def any_stored(conn: Connection) -> bool:
    """Whether any record exists (views skip the lookups on an instance without any)."""
    return conn.execute(sa.select(A.c.id).limit(1)).first() is not None


def attached_to(conn: Connection, object_uuids: Iterable[str]) -> list[RowMapping]:
    """The records attached to any of ``object_uuids``, oldest first."""
    wanted = sorted({u.lower() for u in object_uuids})
    out: list[RowMapping] = []
    for i in range(0, len(wanted), 500):
        q = sa.select(A).where(A.c.object_uuid.in_(wanted[i : i + 500])).order_by(A.c.id)
        out += conn.execute(q).mappings()
    return out


def insert(conn: Connection, values: Mapping[str, Any]) -> int:
    """Store a record; its id."""
    return int(conn.execute(A.insert().values(**values).returning(A.c.id)).scalar_one())


def update(conn: Connection, record_id: int, values: Mapping[str, Any]) -> None:
    """Change a record's columns."""
    conn.execute(A.update().where(A.c.id == record_id).values(**values))


def delete(conn: Connection, record_id: int) -> None:
    """Remove a record (what is attached to it stays, as in MISP)."""
    conn.execute(A.delete().where(A.c.id == record_id))
