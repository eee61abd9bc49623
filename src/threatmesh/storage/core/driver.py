"""Work done on the driver's own connection, below SQLAlchemy, where its per-row or
per-execution cost would dominate: PostgreSQL's COPY for bulk inserts, and the one way
errors from there come back up; and the statements every repository shares
(``INSERT ... ON CONFLICT DO NOTHING``, bulk inserts).

Everything here runs inside the caller's SQLAlchemy transaction (the driver connection
is the one the transaction holds), and a driver error is re-raised as the
``sqlalchemy.exc`` error SQLAlchemy itself would raise, so callers and the API's error
mapping cannot tell the paths apart.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
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


def insert_ignore(conn: Connection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect."""
    return insert_ignore_for(conn.dialect.name, table)


@functools.cache
def insert_ignore_for(dialect_name: str, table: sa.Table) -> Any:
    """:func:`insert_ignore` for a dialect by name, built once (statements are immutable)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def bulk_insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with one driver-level executemany.

    SQLAlchemy's executemany processes every parameter of every row in Python (about
    half the time of inserting a 10,000-attribute event); these rows are built by this
    module from validated drafts, so they go to the driver as plain tuples. On
    PostgreSQL they go by COPY, which was faster from one row on (0.19 against 0.22 ms
    for one row, 0.28 against 0.52 ms for 32)."""
    if not rows:
        return
    columns = list(rows[0])
    # itemgetter builds each tuple in C (a generator per row cost 10 ms per 10,000 rows).
    values = operator.itemgetter(*columns)
    params = [values(r) for r in rows] if len(columns) > 1 else [(values(r),) for r in rows]
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table.name, columns, params)
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    conn.exec_driver_sql(sql, params)
