"""With the NATS bus: stopping NATS while events are published loses no notification.

The test runs its own ``nats-server -js`` on a free port (stopping it disturbs no other
test), publishes through the API while it is down, starts it again, and checks that a
JetStream subscriber then receives every notification, in order within each event.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from tests.support import LiveServer, live_server
from tests.support_nats import nats_process, unique_names
from tests.support_sse import SSEReader

from threatmesh.bus.base import BusUnavailable, Delivery, Subscription
from threatmesh.bus.nats import NatsBus
from threatmesh.storage.stream import outbox


def _post(srv: LiveServer, path: str, body: Any) -> Any:
    r = httpx.post(srv.url + path, json=body, headers={"Authorization": srv.admin_key}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _changes(srv: LiveServer, label: str) -> None:
    """An event, two attributes, a sighting and an edit: five notifications."""
    ev = _post(srv, "/events/add", {"info": label, "distribution": 1})["Event"]
    for i in range(2):
        _post(srv, f"/attributes/add/{ev['id']}", {"type": "domain", "value": f"{i}.{label}.test"})
    _post(srv, "/sightings/add", {"value": f"0.{label}.test"})
    _post(srv, f"/events/edit/{ev['id']}", {"info": f"{label} (edited)"})


def _outbox(srv: LiveServer) -> tuple[list[int], int]:
    with srv.platform.read() as conn:
        ids = list(conn.execute(sa.select(outbox.notifications.c.id)).scalars())
        return sorted(ids), outbox.undelivered_count(conn)


def _settled(srv: LiveServer) -> int:
    """The undelivered count once the relay has marked what the bus stored (it marks a
    batch after the bus took all of it; a subscriber may see the messages first)."""
    deadline = time.monotonic() + 10
    while (undelivered := _outbox(srv)[1]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return undelivered


def _receive(sub: Subscription, want: set[int], got: list[Delivery], seconds: float) -> None:
    """Fetch until every id in ``want`` arrived, riding out the outage."""
    deadline = time.monotonic() + seconds
    while want - {d.message.id for d in got} and time.monotonic() < deadline:
        try:
            got += sub.fetch(limit=100, timeout=0.5)
        except BusUnavailable:
            time.sleep(0.1)


def test_no_notification_is_lost_while_nats_is_down(sqlite_url: str, tmp_path: Path) -> None:
    names = unique_names()
    with nats_process(tmp_path / "jetstream") as nats:
        with live_server(
            sqlite_url,
            tmp_path,
            lifespan="on",
            bus="nats",
            nats_url=nats.url,
            nats_stream=names["stream"],
            nats_subject_prefix=names["prefix"],
        ) as srv:
            subscriber = NatsBus(nats.url, **names)
            got: list[Delivery] = []
            try:
                _changes(srv, "before")
                ids, _ = _outbox(srv)
                sub = subscriber.subscribe()
                _receive(sub, set(ids), got, 20)
                assert {d.message.id for d in got} == set(ids)
                assert _settled(srv) == 0

                nats.stop()
                for label in ("down-a", "down-b", "down-c"):
                    _changes(srv, label)  # the API keeps working, the outbox keeps them
                ids, undelivered = _outbox(srv)
                assert len(ids) == 2 + 20 and undelivered == 15  # bootstrap: org and user
                # SSE reads the outbox, so it streams through the outage too.
                sse = SSEReader(srv.url, srv.admin_key, count=22, params={"last_event_id": "0"})
                assert [f.id for f in sse.start().join()] == ids

                nats.start()
                _receive(sub, set(ids), got, 40)
                sub.close()
            finally:
                subscriber.close()
            undelivered = _settled(srv)
    first_seen: dict[int, Delivery] = {}
    for d in got:
        first_seen.setdefault(d.message.id, d)  # at least once: dedupe on the id
    assert sorted(first_seen) == ids and undelivered == 0
    for uuid in {d.message.event_uuid for d in got} - {""}:
        order = [i for i, d in first_seen.items() if d.message.event_uuid == uuid]
        assert order == sorted(order), f"event {uuid}: {order}"
        assert len(order) == 5
