"""The relay copies the outbox to the bus in order, and loses nothing when the bus
is down (a fake bus that fails on demand wraps the real memory bus)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import pytest

from tests.support import database_url, site_admin
from threatmesh.bus import topics
from threatmesh.bus.base import Bus, BusUnavailable, Message, Subscription
from threatmesh.bus.memory import MemoryBus
from threatmesh.services.events import attributes, events
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream.relay import Relay
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.stream import outbox


class FlakyBus(Bus):
    """A memory bus that refuses publishes while ``down``, or after ``budget`` more."""

    def __init__(self) -> None:
        self.inner = MemoryBus()
        self.down = False
        self.budget: int | None = None

    def publish(self, message: Message) -> int:
        if self.down or self.budget == 0:
            raise BusUnavailable("flaky bus is down")
        if self.budget is not None:
            self.budget -= 1
        return self.inner.publish(message)

    def subscribe(self, *, after: int = 0, topics: Collection[str] | None = None) -> Subscription:
        return self.inner.subscribe(after=after, topics=topics)

    def close(self) -> None:
        self.inner.close()

    def ids(self) -> list[int]:
        sub = self.inner.subscribe()
        got = [d.message.id for d in sub.fetch(limit=10_000, timeout=0)]
        sub.close()
        return got


@pytest.fixture
def world(sqlite_url: str) -> Iterator[tuple[Platform, Identity]]:
    platform = Platform(engine=create_engine(sqlite_url))
    who = site_admin(platform)
    yield platform, who
    platform.engine.dispose()


def _changes(platform: Platform, who: Identity, n: int) -> None:
    for i in range(n):
        ev = events.add_event(platform, who, {"info": f"e{i}"})
        attributes.add_attributes(
            platform, who, ev["id"], {"type": "domain", "value": f"{i}.example"}
        )


def _all_ids(platform: Platform) -> list[int]:
    with platform.read() as conn:
        return [int(r["id"]) for r in outbox.after(conn, 0, topics.TOPICS, limit=10_000)]


def _undelivered(platform: Platform) -> int:
    with platform.read() as conn:
        return outbox.undelivered_count(conn)


def test_drain_publishes_in_order_once(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    _changes(platform, who, 3)
    bus = FlakyBus()
    relay = Relay(platform, bus, batch=4)
    ids = _all_ids(platform)  # the bootstrap's organisation and user, then ours
    assert relay.drain() == len(ids) == 8
    assert relay.drain() == 0
    assert bus.ids() == ids and _undelivered(platform) == 0
    sub = bus.inner.subscribe(topics=["misp_json_event"])
    first = sub.fetch(limit=1, timeout=0)[0].message
    assert first.event_uuid and b'"action":"add"' in first.payload


def test_a_lingering_relay_publishes_a_burst_in_one_batch(
    world: tuple[Platform, Identity], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first commit of a burst rings, the relay waits ``linger_seconds`` so
    that one claim and one mark carry the whole burst (six commits here)."""
    platform, who = world
    bus = FlakyBus()
    relay = Relay(platform, bus, idle_seconds=30, linger_seconds=2.0)
    relay.drain()  # the bootstrap's rows
    published: list[int] = []
    run_once = relay.run_once

    def counting() -> int:
        n = run_once()
        published.append(n)
        return n

    monkeypatch.setattr(relay, "run_once", counting)
    relay.start()
    try:
        _wait_for(lambda: len(published) >= 1)  # the relay now waits for a ring
        _changes(platform, who, 3)  # three adds and three attribute adds
        _wait_for(lambda: _undelivered(platform) == 0)
    finally:
        relay.stop()
    assert [n for n in published if n] == [6]


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_failure_part_way_keeps_the_rest_for_later(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    _changes(platform, who, 3)
    ids = _all_ids(platform)
    bus = FlakyBus()
    bus.budget = 3
    relay = Relay(platform, bus)
    with pytest.raises(BusUnavailable):
        relay.run_once()
    assert bus.ids() == ids[:3] and _undelivered(platform) == len(ids) - 3
    bus.down = True
    bus.budget = None
    with pytest.raises(BusUnavailable):
        relay.run_once()
    assert _undelivered(platform) == len(ids) - 3
    bus.down = False
    assert relay.drain() == len(ids) - 3
    assert bus.ids() == ids


def test_background_relay_backs_off_and_catches_up(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    bus = FlakyBus()
    bus.down = True
    relay = Relay(platform, bus, idle_seconds=0.2, max_backoff=0.2).start()
    try:
        _changes(platform, who, 2)
        time.sleep(0.3)  # the relay is retrying meanwhile
        ids = _all_ids(platform)
        assert bus.ids() == [] and _undelivered(platform) == len(ids) == 6
        bus.down = False
        deadline = time.monotonic() + 10
        while bus.ids() != ids and time.monotonic() < deadline:
            time.sleep(0.02)
        assert bus.ids() == ids
        _changes(platform, who, 1)  # woken by the doorbell, not by its idle poll
        deadline = time.monotonic() + 10
        while len(bus.ids()) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert bus.ids() == _all_ids(platform)
    finally:
        relay.stop()


class CountingBus(Bus):
    """Counts one relay's publishes into a bus shared with other relays."""

    def __init__(self, shared: MemoryBus) -> None:
        self.shared = shared
        self.count = 0

    def publish(self, message: Message) -> int:
        self.count += 1
        time.sleep(0.003)  # a network round trip, so the relays' batches overlap
        return self.shared.publish(message)

    def subscribe(self, *, after: int = 0, topics: Collection[str] | None = None) -> Subscription:
        return self.shared.subscribe(after=after, topics=topics)

    def close(self) -> None:
        pass


@pytest.mark.postgres
def test_relays_of_several_workers_share_the_outbox(tmp_path: Path) -> None:
    """Three relays (as three worker processes would run) drain one PostgreSQL outbox
    while a writer adds to it: each notification reaches the bus once, and every event's
    notifications arrive in order."""
    with database_url("postgresql", tmp_path) as url:
        platform = Platform(engine=create_engine(url))
        who = site_admin(platform)
        for _ in range(3):  # a backlog: each event's rows span several relays' batches
            _changes_on_one_event(platform, who, 8)
        shared = MemoryBus()
        buses = [CountingBus(shared) for _ in range(3)]
        relays = [Relay(platform, b, batch=3, idle_seconds=0.05).start() for b in buses]
        writer = threading.Thread(target=_changes_on_one_event, args=(platform, who, 8))
        try:
            writer.start()  # and more while they drain
            writer.join()
            deadline = time.monotonic() + 20
            while _undelivered(platform) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            for r in relays:
                r.stop()
            platform.engine.dispose()
        sub = shared.subscribe()
        got = [d.message for d in sub.fetch(limit=10_000, timeout=0)]
        assert len(got) == 4 * 9 + 2  # the bootstrap's organisation and user too
        assert len({m.id for m in got}) == len(got)  # none twice
        assert sum(b.count for b in buses) == len(got)
        for uuid in {m.event_uuid for m in got}:
            ids = [m.id for m in got if m.event_uuid == uuid]
            assert ids == sorted(ids), f"event {uuid} out of order: {ids}"


def _changes_on_one_event(platform: Platform, who: Identity, n: int) -> None:
    ev = events.add_event(platform, who, {"info": "busy"})
    for i in range(n):
        attributes.add_attributes(
            platform, who, ev["id"], {"type": "domain", "value": f"{i}.{ev['uuid']}.example"}
        )


class DyingBus(FlakyBus):
    """Stores messages, then the process "dies" (an unexpected error) after ``left``."""

    def __init__(self, inner: MemoryBus, left: int) -> None:
        super().__init__()
        self.inner = inner
        self.left = left

    def publish(self, message: Message) -> int:
        position = self.inner.publish(message)
        self.left -= 1
        if self.left == 0:
            raise RuntimeError("the process died before marking anything delivered")
        return position


def test_a_crash_between_publish_and_mark_loses_nothing(
    db_url: str,
) -> None:
    platform = Platform(engine=create_engine(db_url))
    who = site_admin(platform)
    try:
        _changes(platform, who, 3)
        ids = _all_ids(platform)
        shared = MemoryBus()
        with pytest.raises(RuntimeError):
            Relay(platform, DyingBus(shared, left=4)).run_once()
        assert _undelivered(platform) == len(ids)  # nothing was marked
        Relay(platform, DyingBus(shared, left=-1)).drain()  # the restarted process
        assert _undelivered(platform) == 0
        sub = shared.subscribe()
        got = [d.message for d in sub.fetch(limit=1000, timeout=0)]
        assert len(got) == len(ids) + 4  # at least once: four were sent twice
        first: dict[int, Message] = {}
        for m in got:
            first.setdefault(m.id, m)
        assert list(first) == ids  # deduplicated on the id: all of them, in order
    finally:
        platform.engine.dispose()
