"""Engines: stale PostgreSQL connections are replaced; SQLite writers queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa
from tests.support import POSTGRES_ADMIN_URL, LiveServer, postgres_database

from threatmesh.storage.database import create_engine


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
