"""Event stream figures: notifications/s through the relay, and add -> SSE latency.

1. Relay throughput. The outbox is filled with real notifications (``attributes/add``
   through the services, 500 attributes per call), then drained by the relay to each
   bus backend. Baseline, in the same run: publishing the same messages straight to
   the bus (no database), so the ratio is what the outbox costs on top of the bus.
2. Latency. ``threatmesh serve`` in a child process; an SSE subscriber in this
   process; for each sample, ``POST attributes/add`` on a keep-alive client, then the
   time until its notification arrives on the stream. Baseline: the POST itself.

Run ``python -m bench.stream`` (SQLite), ``python -m bench.stream --postgres``; NATS is
measured when a server answers on ``--nats`` (default nats://127.0.0.1:4222).
"""

from __future__ import annotations

import argparse
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from bench.common import (
    auth_headers,
    bench_database,
    db_label,
    init_admin,
    machine,
    percentile,
    serve,
)

from threatmesh.bus.base import Bus
from threatmesh.bus.nats import NatsBus
from threatmesh.bus.registry import create_bus
from threatmesh.services.admin import setup
from threatmesh.services.events import attributes, events
from threatmesh.services.platform import Platform
from threatmesh.services.stream import notify
from threatmesh.services.stream.relay import Relay, message_of
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.stream import outbox


def fill(platform: Platform, count: int, per_event: int) -> None:
    """About ``count`` notifications: events each followed by ``per_event - 1``
    attributes (``attributes/add``, up to 500 per call)."""
    who = platform.identify(setup.bootstrap(platform, org_name="B", email="b@b.test"))
    assert who is not None
    for e in range(max(1, count // per_event)):
        ev = events.add_event(platform, who, {"info": f"stream bench {e}", "distribution": 1})
        for start in range(0, per_event - 1, 500):
            batch = [
                {"type": "domain", "value": f"n{i}.e{e}.stream-bench.example", "comment": "b"}
                for i in range(start, min(per_event - 1, start + 500))
            ]
            attributes.add_attributes(platform, who, ev["id"], batch)


def write_cost(platform: Platform, samples: int) -> tuple[float, float]:
    """Median ``add_event`` (20 attributes, published) and median time to build and
    queue its two notifications again (``misp_json_event`` and the whole event on
    ``misp_json``), in seconds: the share of a write that notifying costs."""
    who = platform.identify(setup.bootstrap(platform, org_name="W", email="w@w.test"))
    assert who is not None
    adds, notes = [], []
    for i in range(samples):
        attrs = [{"type": "domain", "value": f"a{j}.w{i}.example"} for j in range(20)]
        body = {"info": f"w{i}", "published": True, "Attribute": attrs}
        started = time.perf_counter()
        event_id = int(events.add_event(platform, who, body)["id"])
        adds.append(time.perf_counter() - started)
        with platform.write() as conn:
            started = time.perf_counter()
            notify.event(conn, event_id, "edit")
            notify.published(conn, event_id)
            notes.append(time.perf_counter() - started)
    return percentile(adds, 50), percentile(notes, 50)


def _reset(platform: Platform) -> None:
    with platform.engine.begin() as conn:
        conn.execute(outbox.notifications.update().values(delivered=None))


def _timed(fn: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - started


def relay_rates(platform: Platform, make_bus: Callable[[], Bus]) -> tuple[float, float, float]:
    """Notifications/s: one ``publish`` at a time and ``publish_ordered`` in batches of
    500, both straight to the bus, then through the relay (batches of 500)."""
    with platform.read() as conn:
        rows = list(conn.execute(sa.select(outbox.notifications)).mappings())
    messages = [message_of(r) for r in rows]

    def one_by_one(bus: Bus) -> int:
        for m in messages:
            bus.publish(m)
        return len(messages)

    def batched(bus: Bus) -> int:
        for i in range(0, len(messages), 500):
            _, failure = bus.publish_ordered(messages[i : i + 500])
            assert failure is None, failure
        return len(messages)

    rates = []
    for publish in (one_by_one, batched):
        bus = make_bus()
        n, seconds = _timed(lambda: publish(bus))  # noqa: B023 (called at once)
        _discard(bus)
        rates.append(n / seconds)
    _reset(platform)
    bus = make_bus()
    n, seconds = _timed(Relay(platform, bus, batch=500).drain)
    _discard(bus)
    assert n == len(messages)
    return rates[0], rates[1], n / seconds


def _discard(bus: Bus) -> None:
    if isinstance(bus, NatsBus):
        bus.delete_stream()  # leave nothing behind on a shared server
    bus.close()


def _nats_bus(url: str) -> Callable[[], Bus]:
    def make() -> Bus:
        suffix = uuid.uuid4().hex[:10]
        return create_bus("nats", url, stream=f"TMBENCH_{suffix}", prefix=f"tmbench_{suffix}")

    return make


def _nats_up(url: str) -> bool:
    bus = _nats_bus(url)()
    try:
        _discard(bus)
    except Exception:
        bus.close()
        return False
    return True


def _reader(
    url: str, key: str, arrivals: queue.Queue[tuple[float, dict[str, Any]]], ready: threading.Event
) -> None:
    headers = {"Authorization": key}
    params = {"topics": "misp_json_attribute"}
    try:
        with httpx.stream(
            "GET", f"{url}/stream/events", params=params, headers=headers, timeout=None
        ) as r:
            for line in r.iter_lines():
                if line.startswith(":"):
                    ready.set()
                elif line.startswith("data: "):
                    arrivals.put((time.perf_counter(), orjson.loads(line[6:])))
    except httpx.HTTPError:
        pass  # the server stopped at the end of the run


def latency(db_url: str, scratch: Any, samples: int) -> tuple[list[float], list[float]]:
    """(POST latencies, POST -> SSE frame latencies), in seconds."""
    key = init_admin(db_url, scratch)
    with (
        serve(db_url, scratch, key) as server,
        httpx.Client(base_url=server.url, headers=auth_headers(key), timeout=30) as client,
    ):
        ev = client.post("/events/add", json={"info": "latency"}).json()["Event"]
        arrivals: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        ready = threading.Event()
        threading.Thread(
            target=_reader, args=(server.url, key, arrivals, ready), daemon=True
        ).start()
        ready.wait(10)
        posts, ends = [], []
        for i in range(samples):
            value = f"l{i}.latency.example"
            t0 = time.perf_counter()
            r = client.post(f"/attributes/add/{ev['id']}", json={"type": "domain", "value": value})
            t1 = time.perf_counter()
            assert r.status_code == 200, r.text
            arrived, data = arrivals.get(timeout=10)
            assert data["Attribute"]["value"] == value
            posts.append(t1 - t0)
            ends.append(arrived - t0)
    return posts, ends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    print(machine())
    print("| workload | bus | one at a time | in batches | through the relay | relay / batches |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, per_event in (
        (f"1 event, {args.count} notifications", args.count),
        ("10 notifications per event", 10),
    ):
        with bench_database(args.postgres) as (db_url, _scratch):
            platform = Platform(engine=create_engine(db_url))
            fill(platform, args.count, per_event)
            backends: dict[str, Callable[[], Bus]] = {"memory": lambda: create_bus("memory")}
            if _nats_up(args.nats):
                backends["nats"] = _nats_bus(args.nats)
            for name, make in backends.items():
                single, batch, relayed = relay_rates(platform, make)
                print(
                    f"| {label} | {name} | {single:,.0f}/s | {batch:,.0f}/s | "
                    f"{relayed:,.0f}/s | {relayed / batch:.2f} |"
                )
            print(f"({db_label(platform.engine)})")
            platform.engine.dispose()
    with bench_database(args.postgres) as (db_url, _scratch):
        platform = Platform(engine=create_engine(db_url))
        add, note = write_cost(platform, args.samples)
        platform.engine.dispose()
    print(
        f"add_event (20 attributes, published) p50 {add * 1e3:.2f} ms, of which its two "
        f"notifications {note * 1e3:.2f} ms ({note / add:.2f})"
    )
    with bench_database(args.postgres) as (db_url, scratch):
        posts, ends = latency(db_url, scratch, args.samples)
    p50_post, p50_end = percentile(posts, 50) * 1e3, percentile(ends, 50) * 1e3
    print(
        f"add -> SSE, {args.samples} samples: POST p50 {p50_post:.2f} ms, "
        f"p95 {percentile(posts, 95) * 1e3:.2f} ms; frame p50 {p50_end:.2f} ms, "
        f"p95 {percentile(ends, 95) * 1e3:.2f} ms; frame / POST (p50) {p50_end / p50_post:.2f}"
    )


if __name__ == "__main__":
    main()
