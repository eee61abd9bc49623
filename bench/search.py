"""restSearch-by-value latency, the HTTP floor, and storage bytes per attribute.

For each size (default 10,000 and 1,000,000 attributes) the database is filled with
realistic events through ``threatmesh.storage.events.writes`` (the server's own bulk path, so
``ip_index`` and ``attribute_tags`` rows exist too), then three things are timed in
the same run, interleaved request by request:

* ``POST attributes/restSearch {"value": X}`` through the server (``threatmesh serve``
  in a child process) with a keep-alive ``httpx.Client``;
* the HTTP floor: an authenticated ``GET servers/getVersion`` on the same client;
* the raw indexed SELECT of the same attribute rows by value (SQLAlchemy Core, same
  database, in this process).

Run ``python -m bench.search`` (SQLite) or ``python -m bench.search --postgres``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from bench.common import (
    Indicators,
    auth_headers,
    bench_database,
    check_normal_form,
    db_label,
    event_draft,
    init_admin,
    machine,
    percentile,
    serve,
)

from threatmesh.storage.core.database import create_engine
from threatmesh.storage.core.tables import attribute_tags, attributes, events, ip_index
from threatmesh.storage.correlation.value_index import value1_is, value2_is, value_key
from threatmesh.storage.events import writes

EVENT_SIZES = (10, 25, 50, 100, 250, 1000)  # attributes per event, drawn uniformly
FILL_TRANSACTION = 20_000  # attributes per fill transaction
# PostgreSQL only: refresh statistics this often while filling, as autovacuum would in a
# long load (with statistics from the 10,000-row stage the 1M fill slows down 2.5x).
FILL_ANALYZE_EVERY = 100_000
ATTRIBUTE_TABLES = ("attributes", "ip_index", "attribute_tags")


@dataclass(frozen=True)
class Latency:
    """p50 and p95 of one kind of request, in milliseconds."""

    p50: float
    p95: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        return cls(percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000)

    def __str__(self) -> str:
        return f"p50 {self.p50:7.3f} ms  p95 {self.p95:7.3f} ms"


@dataclass(frozen=True)
class Storage:
    """Bytes per attribute: the bare ``attributes`` heap, and everything holding
    attribute data (attributes and its indexes, ip_index, attribute_tags)."""

    count: int
    bare: int
    total: int

    def __str__(self) -> str:
        return (
            f"bare attribute row {self.bare / self.count:6.1f} B/attr, with indexes, "
            f"ip_index and attribute_tags {self.total / self.count:6.1f} B/attr "
            f"(ratio {self.total / self.bare:.2f}x, target < 2x)"
        )


# ---------------------------------------------------------------------------
# Filling (the same rows ``writes.insert_event`` writes, in fewer statements)


def fill(engine: sa.Engine, gen: Indicators, have: int, target: int) -> int:
    """Add events until the database holds ``target`` attributes; return the count.

    Rows are built with the server's own row builders (``threatmesh.storage.events.writes``)
    and attribute ids are assigned here, so each table is one plain executemany per
    transaction (psycopg pipelines it; SQLite runs it in C), not the RETURNING path.
    """
    org_id = _bench_org(engine)
    while have < target:
        batch = min(FILL_TRANSACTION, target - have)
        with engine.begin() as conn:
            _fill_transaction(conn, gen, org_id, have, batch)
        have += batch
        if have % FILL_ANALYZE_EVERY < batch:
            analyze(engine)
    _sync_sequences(engine)
    return have


@dataclass
class _Rows:
    attributes: list[dict[str, Any]] = field(default_factory=list)
    ip_index: list[dict[str, Any]] = field(default_factory=list)
    attribute_tags: list[dict[str, Any]] = field(default_factory=list)


def _fill_transaction(
    conn: sa.Connection, gen: Indicators, org_id: int, have: int, batch: int
) -> None:
    next_id = (
        int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(attributes.c.id), 0))).scalar_one())
        + 1
    )
    rows = _Rows()
    added = 0
    while added < batch:
        specs = gen.specs(min(gen.rng.choice(EVENT_SIZES), batch - added))
        if have + added == 0:
            check_normal_form(specs)
        draft = event_draft(specs, f"Bench event {have + added}")
        tag_ids = writes.ensure_tags(conn, writes.all_tags(draft))
        row = writes.event_row(draft) | {
            "org_id": org_id,
            "orgc_id": org_id,
            "user_id": 1,
            "attribute_count": len(specs),
        }
        event_id = conn.execute(events.insert().returning(events.c.id), row).scalar_one()
        writes.set_event_tags(conn, event_id, draft.tags, tag_ids)
        pairs = list(zip(range(next_id, next_id + len(specs)), draft.attributes, strict=True))
        rows.attributes.extend(writes.attribute_row(event_id, a, 0) | {"id": i} for i, a in pairs)
        rows.ip_index.extend(writes.ip_rows(pairs))
        rows.attribute_tags.extend(
            {"attribute_id": i, "event_id": event_id, "tag_id": tag_ids[t.name], "local": t.local}
            for i, a in pairs
            for t in a.tags
        )
        next_id += len(specs)
        added += len(specs)
    for table, values in (
        (attributes, rows.attributes),
        (ip_index, rows.ip_index),
        (attribute_tags, rows.attribute_tags),
    ):
        if values:
            conn.execute(table.insert(), values)
    writes.note_network_sizes(conn, rows.ip_index)  # as the server's writes do


def _sync_sequences(engine: sa.Engine) -> None:
    """Ids were given explicitly: move PostgreSQL's sequence past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('attributes', 'id'), "
                "(SELECT max(id) FROM attributes))"
            )
        )


def _bench_org(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT id FROM organisations WHERE name = 'BENCH-ORG'")
            ).scalar_one()
        )


def analyze(engine: sa.Engine) -> None:
    """On PostgreSQL, do now what autovacuum would do shortly after a bulk load (VACUUM
    ANALYZE), so that it does not run during the measurements. SQLite is left as the
    server leaves it (no ANALYZE)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def sample_values(engine: sa.Engine, n: int, seed: int) -> list[str]:
    """``n`` values of attributes picked uniformly over the whole table."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        top = int(conn.execute(sa.select(sa.func.max(attributes.c.id))).scalar_one())
        ids = sorted({rng.randint(1, top) for _ in range(n * 2)})
        q = sa.select(attributes.c.type, attributes.c.value1, attributes.c.value2).where(
            attributes.c.id.in_(ids)
        )
        rows = conn.execute(q).all()
    values = [v2 if t == "filename|sha256" else v1 for t, v1, v2 in rows]
    rng.shuffle(values)
    return values[:n]


# ---------------------------------------------------------------------------
# Measuring


def raw_select(engine: sa.Engine) -> Callable[[str], int]:
    """The raw indexed lookup of attribute rows by value (value1, or value2 of compound
    types), as one Core SELECT on a pooled connection."""
    a = attributes
    value = sa.bindparam("value", type_=a.c.value1.type)
    key = sa.bindparam("key", type_=a.c.value1_key.type)
    q = sa.select(a).where(sa.or_(value1_is(a, value, key), value2_is(a, value, key)))

    def run(term: str) -> int:
        with engine.connect() as conn:
            return len(conn.execute(q, {"value": term, "key": value_key(term)}).all())

    return run


def measure(
    client: httpx.Client, engine: sa.Engine, values: Sequence[str], warmup: int
) -> tuple[Latency, Latency, Latency]:
    """Latencies of restSearch, getVersion and the raw SELECT, interleaved."""
    select = raw_select(engine)
    samples: dict[str, list[float]] = {"search": [], "floor": [], "raw": []}
    for i, value in enumerate(values):
        t0 = time.perf_counter()
        r = client.get("/servers/getVersion")
        t1 = time.perf_counter()
        s = client.post("/attributes/restSearch", json={"value": value})
        t2 = time.perf_counter()
        found = select(value)
        t3 = time.perf_counter()
        _check(r, s, found, value)
        if i >= warmup:
            samples["floor"].append(t1 - t0)
            samples["search"].append(t2 - t1)
            samples["raw"].append(t3 - t2)
    return (Latency.of(samples["search"]), Latency.of(samples["floor"]), Latency.of(samples["raw"]))


def _check(version: httpx.Response, search: httpx.Response, found: int, value: str) -> None:
    if version.status_code != 200 or search.status_code != 200:
        raise RuntimeError(f"HTTP {version.status_code}/{search.status_code}: {search.text[:300]}")
    got = len(search.json()["response"]["Attribute"])
    if got != found:
        raise RuntimeError(f"restSearch {value!r} returned {got} attributes, raw SELECT {found}")


def storage(engine: sa.Engine) -> Storage:
    """Bytes per attribute on this database (see :class:`Storage`)."""
    with engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(attributes)).scalar_one())
        if engine.dialect.name == "postgresql":
            bare = conn.execute(sa.text("SELECT pg_relation_size('attributes')")).scalar_one()
            total = sum(
                conn.execute(sa.text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                for t in ATTRIBUTE_TABLES
            )
            return Storage(count, int(bare), int(total))
        sizes: dict[str, int] = dict(
            conn.execute(
                sa.text(
                    "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s "
                    "JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name"
                )
            ).all()
        )
        bare = conn.execute(
            sa.text("SELECT SUM(pgsize) FROM dbstat WHERE name = 'attributes'")
        ).scalar_one()
        return Storage(count, int(bare), int(sum(sizes.get(t, 0) for t in ATTRIBUTE_TABLES)))


# ---------------------------------------------------------------------------
# Main


@dataclass(frozen=True)
class Result:
    size: int
    search: Latency
    floor: Latency
    raw: Latency
    storage: Storage
    fill_seconds: float


def run(postgres: bool, sizes: Sequence[int], requests: int, warmup: int) -> list[Result]:
    """Fill to each size in turn and measure there."""
    results: list[Result] = []
    with bench_database(postgres) as (url, scratch):
        key = init_admin(url, scratch)
        engine = create_engine(url)
        print(f"database: {db_label(engine)}; machine: {machine()}")
        gen = Indicators(seed=7)
        have = 0
        with (
            serve(url, scratch, key) as server,
            httpx.Client(base_url=server.url, headers=auth_headers(key), timeout=120) as client,
        ):
            for size in sorted(sizes):
                t0 = time.perf_counter()
                added = -have
                have = fill(engine, gen, have, size)
                added += have
                fill_seconds = time.perf_counter() - t0
                analyze(engine)
                print(
                    f"filled to {have:,} attributes in {fill_seconds:.1f} s "
                    f"({added / fill_seconds:,.0f} attr/s), then "
                    f"{time.perf_counter() - t0 - fill_seconds:.1f} s of VACUUM/ANALYZE"
                )
                values = sample_values(engine, requests + warmup, seed=size)
                search, floor, raw = measure(client, engine, values, warmup)
                result = Result(size, search, floor, raw, storage(engine), fill_seconds)
                report_size(result)
                results.append(result)
        engine.dispose()
    return results


def report_size(r: Result) -> None:
    print(f"\n== {r.size:,} attributes")
    print(f"  restSearch by value   {r.search}")
    print(f"  getVersion (floor)    {r.floor}")
    print(f"  raw indexed SELECT    {r.raw}")
    print(
        f"  restSearch p50 / floor p50 = {r.search.p50 / r.floor.p50:.2f}x (target <= 2x); "
        f"restSearch p50 / raw p50 = {r.search.p50 / r.raw.p50:.1f}x"
    )
    print(f"  storage: {r.storage}")


def report_scaling(results: Sequence[Result]) -> None:
    if len(results) < 2:
        return
    small, big = results[0], results[-1]
    print(
        f"\nrestSearch p50 at {big.size:,} / p50 at {small.size:,} = "
        f"{big.search.p50 / small.search.p50:.2f}x (target: flat, ~1x); "
        f"raw SELECT: {big.raw.p50 / small.raw.p50:.2f}x"
    )
    # The machine's speed can change between the two phases (the floor, which touches
    # no table, moved 2x between them in some runs): the same ratio in units of each
    # phase's own floor shows the table's growth alone.
    relative = (big.search.p50 / big.floor.p50) / (small.search.p50 / small.floor.p50)
    print(
        f"the same in units of each phase's getVersion floor: {relative:.2f}x "
        f"(floor {small.floor.p50:.3f} -> {big.floor.p50:.3f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="run on a fresh PostgreSQL database"
    )
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="comma-separated attribute counts (default 10000,1000000)",
    )
    parser.add_argument("--requests", type=int, default=500, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: sizes 2000,20000, 100 requests"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    requests, warmup = args.requests, args.warmup
    if args.quick:
        sizes, requests, warmup = [2000, 20000], 100, 20
    report_scaling(run(args.postgres, sizes, requests, warmup))


if __name__ == "__main__":
    main()
