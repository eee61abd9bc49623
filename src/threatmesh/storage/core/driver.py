"""Work done on the driver's own connection, below SQLAlchemy, where its per-row or
per-execution cost would dominate: PostgreSQL's COPY for bulk inserts, and the one way
errors from there come back up.

Everything here runs inside the caller's SQLAlchemy transaction (the driver connection
is the one the transaction holds), and a driver error is re-raised as the
``sqlalchemy.exc`` error SQLAlchemy itself would raise, so callers and the API's error
mapping cannot tell the paths apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def reraise(conn: Connection, sql: str, params: Any, exc: Any, cur: Any) -> NoReturn:
    """Raise the ``sqlalchemy.exc`` error for driver error ``exc`` (what SQLAlchemy does
    around its own executions: a dead connection leaves the pool)."""
    dbapi_conn = conn.connection.dbapi_connection
    gone = conn.dialect.is_disconnect(exc, dbapi_conn, cur)
    if gone:
        conn.invalidate(exc)
    error = conn.dialect.loaded_dbapi.Error
    raise sa.exc.DBAPIError.instance(
        sql, params, exc, error, connection_invalidated=gone, dialect=conn.dialect
    ) from exc


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (tuples in column order), on a
    PostgreSQL connection driven by psycopg 3.

    For 10,000 attribute rows this took 30 ms where the pipelined executemany of one
    INSERT per row took 110-140 ms (measured on this project's machine)."""
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    dbapi_conn = conn.connection.driver_connection
    assert dbapi_conn is not None
    cur = dbapi_conn.cursor()
    try:
        with cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        reraise(conn, sql, None, exc, cur)
    finally:
        cur.close()
