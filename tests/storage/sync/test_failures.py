"""Sync failures on SQLite and PostgreSQL: one row per event and peer, counted per
version of the event, due again after the backoff the caller gives, cleared when the
event goes through, gone with the connection."""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.services.platform import Platform
from threatmesh.services.sync.failures import retry_delay
from threatmesh.storage.core.tables import servers
from threatmesh.storage.sync import failures as store
from threatmesh.storage.sync.failures import Failure

EVENT = "8a4e2a0c-5a5b-4a39-9f0a-1f6d8e6c2b11"


def _server(platform: Platform) -> int:
    row = {"name": "B", "url": "https://b.example", "authkey": "k", "push": True}
    with platform.write() as conn:
        return int(conn.execute(servers.insert().returning(servers.c.id), row).scalar_one())


def test_failures_are_counted_retried_after_their_backoff_and_cleared(platform: Platform) -> None:
    sid = _server(platform)
    peer = f"server {sid}"
    first = Failure("push", peer, sid, EVENT, 100, "refused")
    with platform.write() as conn:
        assert store.save(conn, first, 1000, retry_delay) == 1
        assert store.save(conn, first, 1100, retry_delay) == 2
        (row,) = store.listing(conn, sid)
        assert (row["attempts"], row["retry_at"], row["first_failed"]) == (2, 1100 + 120, 1000)
        assert store.due(conn, "push", peer, 1219) == []
        assert [r["event_uuid"] for r in store.due(conn, "push", peer, 1220)] == [EVENT]
        # A new version of the event starts counting again.
        newer = Failure("push", peer, sid, EVENT, 200, "still refused")
        assert store.save(conn, newer, 1300, retry_delay) == 1
        (row,) = store.listing(conn)
        assert (row["event_timestamp"], row["reason"], row["retry_at"]) == (
            200,
            "still refused",
            1360,
        )
        # Served-side failures are not retried by us (retry_at 0) and have no connection.
        served = Failure("serve", "organisation x", None, EVENT, 200, "policy")
        store.save(conn, served, 1400)
        assert store.pending(conn, "serve", "organisation x")
        assert [r["direction"] for r in store.listing(conn)] == ["serve", "push"]
        store.clear(conn, "push", peer, [EVENT])
        assert not store.pending(conn, "push", peer)
        store.save(conn, first, 1500, retry_delay)
        conn.execute(sa.delete(servers).where(servers.c.id == sid))
        assert [r["direction"] for r in store.listing(conn)] == ["serve"]


def test_the_backoff_doubles_up_to_a_day() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 10, 20)] == [60, 120, 240, 30720, 86400]
