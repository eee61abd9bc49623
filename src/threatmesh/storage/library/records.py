"""Generic reads and writes of library rows: every kind is keyed (namespace, name or
uuid), versioned, and written in bulk by its ``update``."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id


def pack(document: Any) -> bytes:
    """A record's ``data`` column: its JSON, compressed (entry lists compress ~5x)."""
    return zlib.compress(orjson.dumps(document), 1)


def unpack(data: bytes) -> Any:
    """The document :func:`pack` stored."""
    return orjson.loads(zlib.decompress(data))


def installed(conn: Connection, table: sa.Table, key: str) -> dict[str, tuple[int, int]]:
    """``key value -> (id, version)`` of every stored row of ``table``."""
    q = sa.select(table.c[key], table.c.id, table.c.version)
    return {str(k): (int(i), int(v)) for k, i, v in conn.execute(q)}


def write_rows(
    conn: Connection, table: sa.Table, key: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert the rows whose ``key`` is new, update the others in place (their ids and
    the switches ``update`` does not touch, such as ``enabled``, stay), both in bulk."""
    if not rows:
        return
    have = installed(conn, table, key)
    new = [dict(r) for r in rows if str(r[key]) not in have]
    old = [{**r, "_id": have[str(r[key])][0]} for r in rows if str(r[key]) in have]
    if new:
        conn.execute(table.insert(), new)
    if old:
        names = [c for c in old[0] if c != "_id"]
        stmt = (
            table.update()
            .where(table.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in names})
        )
        conn.execute(stmt, old)


def find(conn: Connection, table: sa.Table, ref: str, key: str) -> RowMapping | None:
    """The row whose id is ``ref`` (ASCII digits), else whose ``key`` is ``ref``."""
    if ref.isascii() and ref.isdigit():
        number = as_id(ref)
        if number is None:
            return None
        condition = table.c.id == number
    else:
        condition = table.c[key] == ref
    return conn.execute(sa.select(table).where(condition)).mappings().first()


def rows(
    conn: Connection, table: sa.Table, *, with_data: bool = False, **where: Any
) -> list[RowMapping]:
    """Rows of ``table`` by id (without ``data`` unless asked), filtered by equalities."""
    columns = [c for c in table.c if with_data or c.name != "data"]
    q = sa.select(*columns).order_by(table.c.id)
    for name, value in where.items():
        q = q.where(table.c[name] == value)
    return list(conn.execute(q).mappings())


def set_values(conn: Connection, table: sa.Table, ids: Sequence[int], **values: Any) -> int:
    """Set ``values`` on rows ``ids``; how many rows there were."""
    if not ids:
        return 0
    return conn.execute(table.update().where(table.c.id.in_(ids)).values(**values)).rowcount
