"""RelatedEvent with an over-correlating value: does its cost grow with the value's use?

A database holds 200 events of 100 attributes that all carry ``popular.example`` (20,000
carriers, far over the default cap of 20). Two small events are then related, in
process, interleaved (``storage.related.related_event_ids``, the statement behind
``RelatedEvent`` in events/view and events/add):

* the popular one: ``popular.example`` and one rare value;
* the baseline: two ordinary values, each carried by one other event.

The ratio of their p50s says how much a popular value costs a view (about 1x when the
carriers are counted only up to the cap + 1; it grew with the number of carriers before).

Run ``python -m bench.related`` (SQLite) or ``--postgres``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common import bench_database, machine, percentile

from threatmesh.services.admin import setup
from threatmesh.services.events import events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core import database
from threatmesh.storage.correlation import related
from threatmesh.storage.directory import records as directory

CARRIER_EVENTS, PER_EVENT, ROUNDS = 200, 100, 200


def _add(platform: Platform, who: Identity, info: str, values: list[str]) -> int:
    body = {
        "info": info,
        "distribution": 1,
        "Attribute": [{"type": "domain", "value": v} for v in values],
    }
    made: Any = events.add_event(platform, who, body)
    return int(made.get("Event", made)["id"])


def measure(postgres: bool) -> None:
    with bench_database(postgres) as (url, _scratch):
        engine = database.create_engine(url)
        database.upgrade(engine)
        platform = Platform(engine=engine)
        with platform.write() as conn:
            directory.seed_roles(conn, platform.now())
        who = platform.identify(setup.bootstrap(platform, org_name="BENCH", email="b@bench.test"))
        assert who is not None
        print(f"database: {engine.dialect.name}; machine: {machine()}")
        for i in range(CARRIER_EVENTS):
            _add(platform, who, f"carrier {i}", ["popular.example"] * PER_EVENT)
        _add(platform, who, "other", ["one.example", "two.example"])
        popular = _add(platform, who, "popular", ["popular.example", "rare.example"])
        plain = _add(platform, who, "plain", ["one.example", "two.example"])
        samples: dict[int, list[float]] = {popular: [], plain: []}
        with platform.read() as conn:
            for i in range(ROUNDS + 20):
                for event_id, out in samples.items():
                    t0 = time.perf_counter()
                    related.related_event_ids(conn, who.viewer, event_id, cap=20)
                    if i >= 20:
                        out.append(time.perf_counter() - t0)
        engine.dispose()
    p_pop, p_plain = percentile(samples[popular], 50), percentile(samples[plain], 50)
    carriers = CARRIER_EVENTS * PER_EVENT
    print(f"  value carried by {carriers:,} attributes  p50 {p_pop * 1000:6.2f} ms")
    print(f"  ordinary values (baseline)            p50 {p_plain * 1000:6.2f} ms")
    print(f"  ratio {p_pop / p_plain:.2f}x (flat: ~1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on a fresh PostgreSQL database")
    measure(parser.parse_args().postgres)


if __name__ == "__main__":
    main()
