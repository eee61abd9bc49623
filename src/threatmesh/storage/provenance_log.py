"""Rows of the provenance log and its head (the chain itself lives in ``privacy``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.trust_tables import provenance_head, provenance_records

GENESIS = "0" * 64


def lock_head(conn: Connection) -> tuple[int, str]:
    """The head (last seq and hash), locked until the transaction ends.

    On PostgreSQL ``FOR UPDATE`` makes concurrent appenders wait for each other; SQLite
    already serialises writers, and the caller has written before it appends.
    """
    q = sa.select(provenance_head.c.seq, provenance_head.c.record_hash).where(
        provenance_head.c.id == 1
    )
    row = conn.execute(q.with_for_update()).first()
    if row is None:  # a database created outside the migrations
        conn.execute(provenance_head.insert().values(id=1, seq=0, record_hash=GENESIS))
        return 0, GENESIS
    return int(row.seq), str(row.record_hash)


def read_head(conn: Connection) -> tuple[int, str]:
    """The head, without locking."""
    q = sa.select(provenance_head.c.seq, provenance_head.c.record_hash).where(
        provenance_head.c.id == 1
    )
    row = conn.execute(q).first()
    return (int(row.seq), str(row.record_hash)) if row is not None else (0, GENESIS)


def append(conn: Connection, row: dict[str, Any]) -> None:
    """Insert record ``row`` and move the head to it (the head must be locked)."""
    conn.execute(provenance_records.insert().values(**row))
    conn.execute(
        provenance_head.update()
        .where(provenance_head.c.id == 1)
        .values(seq=row["seq"], record_hash=row["record_hash"])
    )


def records(conn: Connection, *, subject: str | None = None) -> list[RowMapping]:
    """Every record in chain order, or those about ``subject``."""
    q = sa.select(provenance_records).order_by(provenance_records.c.seq)
    if subject is not None:
        q = q.where(provenance_records.c.subject == subject)
    return list(conn.execute(q).mappings())
