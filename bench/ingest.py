"""Ingest throughput: PyMISP ``add_event`` against a raw SQLAlchemy Core insert.

Two shapes are measured: (a) one event of 10,000 attributes, (b) 1,000 events of 10
attributes. For each, the same rows (realistic mixed types) are first inserted raw into
the same database (``events`` and ``attributes`` rows with ``conn.execute(table.insert(),
rows)``, one transaction per event), timed, and deleted again; then the same indicators
go through ``PyMISP.add_event`` to ``threatmesh serve`` running in a child process.
MISPEvent objects and raw rows are built before the clock starts; the ``add_event``
calls (JSON encoding, HTTP, validation, writes, the returned event, JSON decoding) are
what is timed.

Run ``python -m bench.ingest`` (SQLite), ``--postgres``, or ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from bench.common import (
    Indicators,
    Server,
    Spec,
    admin_org_id,
    bench_database,
    db_label,
    init_admin,
    machine,
    process_cpu_seconds,
    raw_attribute_rows,
    raw_event_row,
    serve,
)
from pymisp import MISPAttribute, MISPEvent, PyMISP
from pymisp.abstract import pymisp_json_default

from threatmesh.storage.core.database import create_engine
from threatmesh.storage.core.tables import attributes, events

RawEvent = tuple[dict[str, Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Shape:
    """How many events of how many attributes."""

    events: int
    attributes: int

    @property
    def total(self) -> int:
        return self.events * self.attributes

    def __str__(self) -> str:
        return f"{self.events:,} event(s) x {self.attributes:,} attributes"


@dataclass(frozen=True)
class Outcome:
    """Attributes per second of both paths for one shape (medians over repeats)."""

    shape: Shape
    pymisp: float
    raw: float
    #: The ratio PyMISP would reach if the server answered instantly: the raw insert's
    #: time over PyMISP's own share (a no-op request per event plus JSON encoding).
    ceiling: float
    #: The ratio PyMISP would reach if the server did nothing but the raw insert itself:
    #: the raw insert's time over PyMISP's own share plus that same insert. A server
    #: must at least answer the request and store the rows, so on this stack (the no-op
    #: request includes FastAPI's and uvicorn's handling of it) no server can pass it.
    bound: float
    #: CPU milliseconds the server process spent per event (all its threads), or None.
    server_ms: float | None

    @property
    def ratio(self) -> float:
        return self.pymisp / self.raw


# ---------------------------------------------------------------------------
# Building (untimed)


def misp_event(specs: Sequence[Spec], info: str) -> MISPEvent:
    """The MISPEvent a PyMISP user would build for these indicators."""
    event = MISPEvent()
    event.info = info
    event.distribution = 1
    event.threat_level_id = 2
    event.analysis = 2
    event.add_tag("tlp:green")
    for s in specs:
        attr = event.add_attribute(
            s.type, s.value, category=s.category, to_ids=s.to_ids, comment=s.comment or None
        )
        if s.tag and isinstance(attr, MISPAttribute):
            attr.add_tag(s.tag)
    return event


def raw_events(batches: Sequence[Sequence[Spec]], org_id: int) -> list[RawEvent]:
    """Rows of the raw baseline: one events row and its attributes rows per batch."""
    return [
        (raw_event_row(f"Raw bench event {i}", org_id), raw_attribute_rows(specs))
        for i, specs in enumerate(batches)
    ]


# ---------------------------------------------------------------------------
# Timing


def time_raw(engine: sa.Engine, batches: Sequence[RawEvent]) -> tuple[float, list[int]]:
    """Seconds to insert the raw rows (a transaction per event); the new event ids."""
    ids = []
    t0 = time.perf_counter()
    for event_row, rows in batches:
        with engine.begin() as conn:
            event_id = conn.execute(events.insert().returning(events.c.id), event_row).scalar_one()
            for row in rows:
                row["event_id"] = event_id
            conn.execute(attributes.insert(), rows)
        ids.append(event_id)
    return time.perf_counter() - t0, ids


def delete_events(engine: sa.Engine, ids: Sequence[int]) -> None:
    """Remove the raw baseline's events (attributes go by cascade), untimed."""
    with engine.begin() as conn:
        for i in range(0, len(ids), 500):
            conn.execute(events.delete().where(events.c.id.in_(ids[i : i + 500])))


def encode_seconds(batch: Sequence[MISPEvent]) -> float:
    """Seconds PyMISP spends turning ``batch`` into request bodies (part of add_event)."""
    t0 = time.perf_counter()
    for event in batch:
        orjson.dumps(event, default=pymisp_json_default)  # what PyMISP calls
    return time.perf_counter() - t0


def request_floor(misp: PyMISP, n: int) -> float:
    """Seconds per PyMISP request that makes the server do no work (``getVersion``,
    authenticated): what any ``add_event`` costs before the server does anything."""
    n = max(n, 50)
    t0 = time.perf_counter()
    for _ in range(n):
        misp.direct_call("servers/getVersion")
    return (time.perf_counter() - t0) / n


def time_pymisp(misp: PyMISP, batch: Sequence[MISPEvent], expected: int, metadata: bool) -> float:
    """Seconds for ``add_event`` of every event in ``batch`` (``metadata``: the server
    answers without the attributes, as ``add_event(metadata=True)`` asks)."""
    t0 = time.perf_counter()
    answers = [misp.add_event(e, metadata=metadata) for e in batch]
    elapsed = time.perf_counter() - t0
    for answer in answers:
        if not isinstance(answer, dict) or "errors" in answer:
            raise RuntimeError(f"add_event failed: {str(answer)[:500]}")
        stored = int(answer["Event"]["attribute_count"])
        if stored != expected:
            raise RuntimeError(f"add_event stored {stored} attributes, not {expected}")
    return elapsed


def measure(
    server: Server, engine: sa.Engine, gen: Indicators, shape: Shape, repeats: int, metadata: bool
) -> Outcome:
    """Raw then PyMISP, ``repeats`` times with fresh indicators; median rates."""
    misp = PyMISP(server.url, server.key, ssl=False, timeout=900)
    org_id = admin_org_id(engine)
    pymisp_rates, raw_rates, ceilings, bounds, cpu = [], [], [], [], []
    for r in range(repeats):
        batches = [gen.specs(shape.attributes) for _ in range(shape.events)]
        rows = raw_events(batches, org_id)
        to_send = [misp_event(specs, f"Bench event {r}.{i}") for i, specs in enumerate(batches)]
        raw_seconds, ids = time_raw(engine, rows)
        delete_events(engine, ids)
        cpu_before = process_cpu_seconds(server.process.pid)
        pymisp_seconds = time_pymisp(misp, to_send, shape.attributes, metadata)
        cpu_after = process_cpu_seconds(server.process.pid)
        if cpu_before is not None and cpu_after is not None:
            cpu.append((cpu_after - cpu_before) * 1000 / shape.events)
        encoding = encode_seconds(to_send)
        floor = request_floor(misp, shape.events)
        raw_rates.append(shape.total / raw_seconds)
        pymisp_rates.append(shape.total / pymisp_seconds)
        client = floor * shape.events + encoding
        ceilings.append(raw_seconds / client)
        bounds.append(raw_seconds / (client + raw_seconds))
        print(
            f"  {shape} run {r + 1}: PyMISP {pymisp_seconds:7.2f} s (of which client-side "
            f"JSON encoding {encoding:5.2f} s; a no-op request {floor * 1000:.2f} ms), "
            f"raw {raw_seconds:6.2f} s"
        )
    server_ms = _median(cpu) if cpu else None
    rates = _median(pymisp_rates), _median(raw_rates)
    return Outcome(shape, *rates, _median(ceilings), _median(bounds), server_ms)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} ms"


def _median(xs: Sequence[float]) -> float:
    ordered = sorted(xs)
    return ordered[len(ordered) // 2]


# ---------------------------------------------------------------------------
# Main


def run(postgres: bool, shapes: Sequence[Shape], repeats: int, metadata: bool) -> list[Outcome]:
    """Measure each shape on a fresh database behind a fresh server."""
    outcomes = []
    with bench_database(postgres) as (url, scratch):
        key = init_admin(url, scratch)
        engine = create_engine(url)
        print(f"database: {db_label(engine)}; machine: {machine()}")
        gen = Indicators(seed=11)
        with serve(url, scratch, key) as server:
            for shape in shapes:
                outcomes.append(measure(server, engine, gen, shape, repeats, metadata))
        engine.dispose()
    return outcomes


def report(outcomes: Sequence[Outcome]) -> None:
    print(
        f"\n{'shape':36} {'PyMISP add_event':>18} {'raw Core insert':>18} {'ratio':>7} "
        f"{'ceiling':>8} {'bound':>6} {'server CPU/event':>17}"
    )
    for o in outcomes:
        print(
            f"{o.shape!s:36} {o.pymisp:>12,.0f} att/s {o.raw:>12,.0f} att/s "
            f"{o.ratio:>6.2f}x {o.ceiling:>7.2f}x {o.bound:>5.2f}x {_ms(o.server_ms):>17}  "
            "(target >= 0.40)"
        )
    print(
        "ceiling: the ratio if the server answered add_event instantly (the raw insert's "
        "time over a no-op PyMISP request per event plus PyMISP's JSON encoding); bound: "
        "the ratio if the server did nothing but that raw insert (the same over that "
        "share plus the insert: no server on this stack can pass it); server CPU: what the server "
        "process spent per add_event, all its threads"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="run on a fresh PostgreSQL database"
    )
    parser.add_argument("--big", type=int, default=10_000, help="attributes of the one big event")
    parser.add_argument("--events", type=int, default=1_000, help="number of small events")
    parser.add_argument("--small", type=int, default=10, help="attributes per small event")
    parser.add_argument("--repeats", type=int, default=3, help="runs per shape (median kept)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 and 50 x 10, once")
    parser.add_argument(
        "--metadata",
        action="store_true",
        help="add_event(metadata=True): the answer leaves out the attributes",
    )
    args = parser.parse_args()
    logging.getLogger("pymisp").setLevel(logging.ERROR)
    big, n_events, repeats = args.big, args.events, args.repeats
    if args.quick:
        big, n_events, repeats = 1_000, 50, 1
    shapes = [Shape(1, big), Shape(n_events, args.small)]
    report(run(args.postgres, shapes, repeats, args.metadata))


if __name__ == "__main__":
    main()
