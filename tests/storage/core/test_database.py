"""Engines: stale PostgreSQL connections are replaced; SQLite writers queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from tests.support import POSTGRES_ADMIN_URL, LiveServer, postgres_database
from threatmesh.storage.core.database import autocommit, create_engine


def _terminate_backends(db_name: str) -> int:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": db_name},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(killed)


def test_a_connection_killed_while_idle_is_replaced() -> None:
    with postgres_database() as url:
        engine = create_engine(url, idle_ping_seconds=0.0)
        try:
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            # The pooled connection is now idle; the server drops it (a restart would).
            assert _terminate_backends(url.rsplit("/", 1)[1]) == 1
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT 2")).scalar_one() == 2
        finally:
            engine.dispose()


def test_a_busy_connection_is_not_pinged() -> None:
    with postgres_database() as url:
        engine = create_engine(url, idle_ping_seconds=3600.0)
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        try:
            for _ in range(3):
                with engine.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
            # SQLAlchemy's own statements only: no ping per checkout.
            assert statements.count("SELECT 1") == 3
        finally:
            engine.dispose()


def test_concurrent_writers_on_sqlite_all_succeed(sqlite_server: LiveServer) -> None:
    """Concurrent writers queue for SQLite's write lock (BEGIN IMMEDIATE), so what they
    read first (free UUIDs, the next attribute ids) is still true when they write:
    nothing collides and nothing is lost."""
    headers = {"Authorization": sqlite_server.admin_key, "Accept": "application/json"}
    with httpx.Client(base_url=sqlite_server.url, headers=headers, timeout=60) as client:
        event = client.post("/events/add", json={"info": "concurrency"}).json()["Event"]

    def add(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=sqlite_server.url, headers=headers, timeout=60) as c:
            for i in range(15):
                value = f"198.51.100.{worker * 16 + i}"
                r = c.post(
                    f"/attributes/add/{event['id']}", json={"type": "ip-dst", "value": value}
                )
                statuses.append(r.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [s for statuses in pool.map(add, range(4)) for s in statuses]
    assert results == [200] * 60
    with httpx.Client(base_url=sqlite_server.url, headers=headers, timeout=60) as client:
        view = client.get(f"/events/view/{event['id']}").json()["Event"]
    assert len(view["Attribute"]) == 60
    assert view["attribute_count"] == "60"


def _traced(engine: sa.Engine) -> list[str]:
    """The SQL every SQLite connection of ``engine`` runs (set up before the first)."""
    statements: list[str] = []
    sa.event.listen(engine, "connect", lambda raw, _rec: raw.set_trace_callback(statements.append))
    return statements


def test_sqlite_reads_autocommit_without_expiring_prepared_statements(sqlite_url: str) -> None:
    """A read cycle runs no PRAGMA (a flag pragma expires every prepared statement of the
    connection) and no BEGIN; a write still takes the write lock up front."""
    engine = create_engine(sqlite_url)
    statements = _traced(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    del statements[:]
    for _ in range(2):
        with engine.connect() as conn:
            autocommit(conn)
            conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one()
    assert len(statements) == 2, statements  # the two SELECTs, nothing around them
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert "BEGIN IMMEDIATE" in statements
    engine.dispose()


def test_autocommit_reads_see_each_commit_and_never_wait_for_a_writer(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as reader:
        autocommit(reader)
        with engine.begin() as writer:
            writer.exec_driver_sql("INSERT INTO t VALUES (1)")
            # The writer holds the write lock; the reader neither waits nor sees it yet.
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1
    engine.dispose()
