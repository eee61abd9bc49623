"""The outbox table: buffered in the transaction, ids in commit order, claims that
keep each event's order across relays (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.support import database_url
from threatmesh.storage.core import database
from threatmesh.storage.stream import outbox


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = database.create_engine(db_url)
    database.upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def pg_engine(tmp_path: Path) -> Iterator[Engine]:
    """PostgreSQL only: row locks and the advisory lock are what is under test."""
    with database_url("postgresql", tmp_path) as url:
        made = database.create_engine(url)
        database.upgrade(made)
        yield made
        made.dispose()


def _add(engine: Engine, *events: str) -> None:
    with engine.begin() as conn:
        outbox.begin(conn)
        for event in events:
            outbox.buffer(
                conn, "misp_json_event", {"Event": {"uuid": event}}, action="edit", event_uuid=event
            )
        outbox.flush(conn, now=1)


def test_buffered_rows_are_written_on_flush_only(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.begin(conn)
        outbox.buffer(conn, "misp_json_event", {"Event": {}}, action="add", event_id=7)
        assert outbox.last_id(conn) == 0  # nothing inserted until flush
        assert outbox.flush(conn, now=5) == 1
        assert outbox.flush(conn, now=5) == 0  # the buffer is emptied
    with engine.connect() as conn:
        (row,) = outbox.after(conn, 0, ["misp_json_event"])
    assert (row["topic"], row["action"], row["event_id"], row["created"]) == (
        "misp_json_event",
        "add",
        7,
        5,
    )
    assert row["payload"] == '{"Event":{},"action":"add"}' and row["delivered"] is None


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        outbox.begin(conn)
        outbox.buffer(conn, "misp_json_event", {"Event": {}}, action="add")
        raise RuntimeError("the change failed")
    # The next transaction, on the same pooled connection, starts clean.
    with engine.begin() as conn:
        outbox.begin(conn)
        assert outbox.flush(conn, now=1) == 0
        assert outbox.last_id(conn) == 0


def test_claim_and_mark_delivered(engine: Engine) -> None:
    _add(engine, "a", "b", "a")
    with engine.begin() as conn:
        rows = outbox.claim(conn, limit=2)
        assert [r["id"] for r in rows] == [1, 2]
        outbox.mark_delivered(conn, [1, 2], now=9)
    with engine.begin() as conn:
        assert [r["id"] for r in outbox.claim(conn)] == [3]
        assert outbox.undelivered_count(conn) == 1


def test_topics_filter_and_position(engine: Engine) -> None:
    _add(engine, "a", "b")
    with engine.begin() as conn:
        outbox.begin(conn)
        outbox.buffer(conn, "misp_json_tag", {}, action="attach", event_uuid="a")
        outbox.flush(conn, now=1)
    with engine.connect() as conn:
        assert [r["id"] for r in outbox.after(conn, 1, ["misp_json_event", "misp_json_tag"])] == [
            2,
            3,
        ]
        assert [r["id"] for r in outbox.after(conn, 0, ["misp_json_tag"])] == [3]


@pytest.mark.postgres
def test_relays_skip_each_others_rows_and_keep_event_order(pg_engine: Engine) -> None:
    engine = pg_engine
    _add(engine, "x", "x", "y")  # ids 1 (x), 2 (x), 3 (y)
    with engine.begin() as first, engine.begin() as second:
        assert [r["id"] for r in outbox.claim(first, limit=1)] == [1]
        # 2 is free but must wait for 1 (same event, held by the first relay); 3 is not.
        assert [r["id"] for r in outbox.claim(second)] == [3]
        outbox.mark_delivered(first, [1], now=1)
        outbox.mark_delivered(second, [3], now=1)
    with engine.begin() as conn:
        assert [r["id"] for r in outbox.claim(conn)] == [2]


@pytest.mark.postgres
def test_ids_are_handed_out_in_commit_order(pg_engine: Engine) -> None:
    engine = pg_engine  # (SQLite has one writer at a time: commit order holds by itself)
    committed: list[str] = []
    first_flushed = threading.Event()

    def slow_first() -> None:
        with engine.begin() as conn:
            outbox.begin(conn)
            outbox.buffer(conn, "misp_json_event", {}, action="add", event_uuid="first")
            outbox.flush(conn, now=1)
            first_flushed.set()
            time.sleep(0.3)  # still uncommitted while the second one flushes
            committed.append("first")

    thread = threading.Thread(target=slow_first)
    thread.start()
    first_flushed.wait(5)
    with engine.begin() as conn:
        outbox.begin(conn)
        outbox.buffer(conn, "misp_json_event", {}, action="add", event_uuid="second")
        outbox.flush(conn, now=1)  # waits for the first transaction's commit
        assert committed == ["first"]
    thread.join()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.notifications.c.event_uuid).order_by(outbox.notifications.c.id)
        ).scalars()
        assert list(rows) == ["first", "second"]
