"""One conformance suite, run against every registered bus backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.support import require_service
from tests.support_nats import SHARED_NATS_URL, nats_available, unique_names
from threatmesh.bus.base import Bus, BusUnavailable, Message
from threatmesh.bus.registry import BACKENDS, create_bus


def drop_stream(url: str, names: dict[str, str]) -> None:
    """Delete a test's JetStream stream (through a bus of its own)."""
    from threatmesh.bus.nats import NatsBus

    bus = NatsBus(url, **names)
    try:
        bus.delete_stream()
    finally:
        bus.close()


@pytest.fixture(params=sorted(BACKENDS))
def bus(request: pytest.FixtureRequest) -> Iterator[Bus]:
    if request.param == "nats":
        require_service(nats_available())
        names = unique_names()
        made = create_bus("nats", SHARED_NATS_URL, **names)
        yield made
        made.close()
        drop_stream(SHARED_NATS_URL, names)
    else:
        made = create_bus(request.param)
        yield made
        made.close()


def _msg(i: int, topic: str = "misp_json_event", event: str = "e1") -> Message:
    return Message(i, topic, event, b'{"Event": {"id": "%d"}, "action": "add"}' % i)


def _fetch_all(bus: Bus, after: int = 0, **kw: object) -> list[Message]:
    sub = bus.subscribe(after=after, **kw)  # type: ignore[arg-type]
    try:
        out = []
        while batch := sub.fetch(limit=3, timeout=0.3):
            out += [d.message for d in batch]
        return out
    finally:
        sub.close()


def test_publish_then_read_everything_in_order(bus: Bus) -> None:
    positions = [bus.publish(_msg(i)) for i in range(1, 8)]
    assert positions == sorted(positions) and len(set(positions)) == 7
    assert _fetch_all(bus) == [_msg(i) for i in range(1, 8)]


def test_subscribe_from_a_position(bus: Bus) -> None:
    positions = [bus.publish(_msg(i)) for i in range(1, 6)]
    sub = bus.subscribe(after=positions[2])
    got = sub.fetch(limit=10, timeout=1.0)
    sub.close()
    assert [d.position for d in got] == positions[3:]
    assert [d.message.id for d in got] == [4, 5]


def test_fetch_continues_where_the_last_one_stopped(bus: Bus) -> None:
    for i in range(1, 6):
        bus.publish(_msg(i))
    sub = bus.subscribe()
    first = sub.fetch(limit=2, timeout=1.0)
    rest = sub.fetch(limit=10, timeout=1.0)
    sub.close()
    assert [d.message.id for d in first] == [1, 2]
    assert [d.message.id for d in rest] == [3, 4, 5]


def test_topic_filters(bus: Bus) -> None:
    bus.publish(_msg(1, "misp_json_event"))
    bus.publish(_msg(2, "misp_json_attribute"))
    bus.publish(_msg(3, "misp_json_sighting"))
    bus.publish(_msg(4, "misp_json_attribute"))
    assert [m.id for m in _fetch_all(bus, topics=["misp_json_attribute"])] == [2, 4]
    both = _fetch_all(bus, topics={"misp_json_event", "misp_json_sighting"})
    assert [m.id for m in both] == [1, 3]


def test_fetch_waits_then_returns_nothing(bus: Bus) -> None:
    sub = bus.subscribe()
    started = time.monotonic()
    assert sub.fetch(limit=5, timeout=0.3) == []
    assert time.monotonic() - started >= 0.2
    sub.close()


def test_fetch_wakes_for_a_message_published_meanwhile(bus: Bus) -> None:
    sub = bus.subscribe()
    timer = threading.Timer(0.2, bus.publish, args=[_msg(9)])
    timer.start()
    got = sub.fetch(limit=5, timeout=5.0)
    timer.join()
    sub.close()
    assert [d.message for d in got] == [_msg(9)]


def test_payload_and_fields_survive_unchanged(bus: Bus) -> None:
    big = Message(42, "misp_json", "5f2c4b7e-0000-4000-8000-00000000beef", b"x" * 200_000)
    odd = Message(43, "misp_json_tag", "", '{"Tag": {"name": "tlp:ámbar"}}'.encode())
    bus.publish(big)
    bus.publish(odd)
    assert _fetch_all(bus) == [big, odd]


def test_closed_bus_refuses(bus: Bus) -> None:
    bus.publish(_msg(1))
    bus.close()
    bus.close()  # idempotent
    with pytest.raises(BusUnavailable):
        bus.publish(_msg(2))
    with pytest.raises(BusUnavailable):
        bus.subscribe()


def test_publish_ordered_keeps_each_events_order(bus: Bus) -> None:
    batch = [_msg(i, event="a" if i % 3 else "b") for i in range(1, 31)]
    stored, failure = bus.publish_ordered(batch)
    assert failure is None and stored == list(range(1, 31))
    got = _fetch_all(bus)
    assert sorted(m.id for m in got) == stored
    for event in ("a", "b"):
        ids = [m.id for m in got if m.event_uuid == event]
        assert ids == sorted(ids)


def test_publish_ordered_on_a_closed_bus_stores_nothing(bus: Bus) -> None:
    bus.close()
    stored, failure = bus.publish_ordered([_msg(1), _msg(2, event="other")])
    assert stored == [] and isinstance(failure, BusUnavailable)
