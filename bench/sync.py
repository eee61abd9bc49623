"""Sync throughput: events replicated A -> B per second, and a sync with nothing new.

A is ``threatmesh serve`` in a child process on a fresh database holding N published
events of M realistic attributes (written with the storage layer before the clock
starts). B is a fresh database in this process, with a server connection to A and the
key of a sync user there. Timed, in one run:

1. the batched pull (threatmesh peer: ``events/index`` then ``events/restSearch``
   pages of 50 events, 50 events per transaction) into B;
2. the baseline: the same pull as a real MISP peer gets it (``events/index``, one
   ``events/view`` and one transaction per event) into a second fresh B;
3. a pull with nothing new into the first B (median of 5): the incremental listing;
4. the same with the cursor forgotten first (median of 5): the full listing and
   comparison MISP does on every pull;
5. a push of B's events to a third, fresh instance C (``threatmesh serve``), with
   MISP's per-event protocol (``filterEventIdsForPush``, then ``events/add/metadata:1``
   per event).

Run ``python -m bench.sync`` (SQLite), ``--postgres``, or ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
from bench.common import (
    Indicators,
    admin_org_id,
    auth_headers,
    bench_database,
    db_label,
    event_draft,
    init_admin,
    machine,
    serve,
)

from threatmesh.services.admin import setup
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import api as sync_api
from threatmesh.services.sync import servers
from threatmesh.services.sync.pull import pull
from threatmesh.services.sync.push import push
from threatmesh.storage.core import database
from threatmesh.storage.events import writes


def fill(db_url: str, n_events: int, n_attributes: int) -> None:
    """A's content: published distribution-3 events, one transaction per 100."""
    engine = database.create_engine(db_url)
    org_id = admin_org_id(engine)
    source = Indicators(seed=7)
    platform = Platform(engine=engine)
    for start in range(0, n_events, 100):
        with platform.write() as conn:
            for i in range(start, min(n_events, start + 100)):
                # Events made over time (one a second), as on a live instance.
                draft = replace(
                    event_draft(source.specs(n_attributes), f"sync bench {i}"), distribution=3
                )
                draft.timestamp = draft.publish_timestamp = draft.timestamp + i
                writes.insert_event(
                    conn, draft, org_id=org_id, orgc_id=org_id, user_id=1, locked=False
                )
    engine.dispose()


def sync_key(a_url: str, a_key: str) -> tuple[str, str]:
    """On A: organisation B and a sync user in it; (its key, B's org UUID)."""
    org_uuid = str(uuid.uuid4())
    with httpx.Client(base_url=a_url, headers=auth_headers(a_key), timeout=60) as http:
        org = http.post("/admin/organisations/add", json={"name": "BENCH-B", "uuid": org_uuid})
        org.raise_for_status()
        user = http.post(
            "/admin/users/add",
            json={
                "email": f"sync-{org_uuid[:8]}@bench.test",
                "org_id": org.json()["Organisation"]["id"],
                "role_id": 5,
            },
        )
        user.raise_for_status()
        return str(user.json()["User"]["authkey"]), org_uuid


@contextmanager
def receiver(
    scratch: Path, name: str, a_url: str, key: str, org_uuid: str, postgres: bool
) -> Iterator[tuple[Platform, int, Identity]]:
    """A fresh B (database, admin in organisation ``org_uuid``, connection to A)."""
    with bench_database(postgres) as (db_url, _):
        platform = Platform(engine=database.create_engine(db_url))
        database.upgrade(platform.engine)
        b_key = setup.bootstrap(platform, org_name=f"BENCH-B-{name}", email="admin@b.test")
        who = platform.identify(b_key)
        assert who is not None
        server = servers.add(
            platform, who, {"url": a_url, "name": "A", "authkey": key, "pull": True}
        )
        try:
            yield platform, int(server["Server"]["id"]), who
        finally:
            platform.engine.dispose()


def timed_pull(platform: Platform, server_id: int, *, batched: bool) -> tuple[float, int]:
    start = time.perf_counter()
    report = pull(platform, server_id, batched=batched)
    elapsed = time.perf_counter() - start
    o = report.outcome
    assert not o.failed, o.failed
    return elapsed, len(o.added) + len(o.updated)


def timed_push(b: Platform, who: Identity, postgres: bool) -> float:
    """Push B's events to a fresh served instance C (MISP's per-event protocol)."""
    with bench_database(postgres) as (c_db, c_scratch):
        c_key = init_admin(c_db, c_scratch)
        with serve(c_db, c_scratch, c_key) as c:
            key, _ = sync_key(c.url, c_key)
            server = servers.add(b, who, {"url": c.url, "name": "C", "authkey": key, "push": True})
            start = time.perf_counter()
            report = push(b, int(server["Server"]["id"]))
            elapsed = time.perf_counter() - start
            assert not report.outcome.failed and report.outcome.added, report.summary()
            return elapsed


def run(n_events: int, n_attributes: int, postgres: bool) -> None:
    print(machine())
    with bench_database(postgres) as (a_db, scratch):
        a_key = init_admin(a_db, scratch)
        fill(a_db, n_events, n_attributes)
        with serve(a_db, scratch, a_key) as a:
            key, org_uuid = sync_key(a.url, a_key)
            with receiver(scratch, "1", a.url, key, org_uuid, postgres) as (b, sid, who):
                print(f"A: threatmesh serve on {db_label(b.engine)}; B: this process")
                t_batch, n = timed_pull(b, sid, batched=True)
                assert n == n_events, n
                quiet = [timed_pull(b, sid, batched=True) for _ in range(5)]
                assert all(k == 0 for _, k in quiet)
                t_quiet = statistics.median(t for t, _ in quiet)
                full = []
                for _ in range(5):  # MISP's way: list everything, compare, fetch nothing
                    sync_api.reset(b, sid, "pull")
                    full.append(timed_pull(b, sid, batched=True))
                assert all(k == 0 for _, k in full)
                t_full = statistics.median(t for t, _ in full)
                t_push = timed_push(b, who, postgres)
            with receiver(scratch, "2", a.url, key, org_uuid, postgres) as (b2, sid2, _):
                t_single, n = timed_pull(b2, sid2, batched=False)
                assert n == n_events, n
    shape = f"{n_events:,} events x {n_attributes} attributes"
    print(f"\n{shape}")
    print(
        f"  batched pull (threatmesh peer):  {n_events / t_batch:8.1f} events/s ({t_batch:.2f} s)"
    )
    print(
        f"  per-event pull (MISP protocol):  {n_events / t_single:8.1f} events/s ({t_single:.2f} s)"
    )
    print(f"  ratio batched / per-event:       {t_single / t_batch:8.2f}x")
    print(f"  incremental pull, nothing new:   {t_quiet * 1000:8.1f} ms (median of 5)")
    print(
        f"  full listing, nothing new:       {t_full * 1000:8.1f} ms (median of 5; "
        f"{t_full / t_quiet:.1f}x the incremental one)"
    )
    print(f"  push B -> C (MISP protocol):     {n_events / t_push:8.1f} events/s ({t_push:.2f} s)")
    print(
        f"  targets: >= 100 events/s: {'met' if n_events / t_batch >= 100 else 'MISSED'}; "
        f"nothing-new < 1 s: {'met' if t_quiet < 1 else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="100 events: a smoke run")
    args = parser.parse_args()
    run(100 if args.quick else args.events, args.attributes, args.postgres)


if __name__ == "__main__":
    main()
