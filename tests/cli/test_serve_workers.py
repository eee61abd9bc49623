"""``threatmesh serve --workers 2`` on PostgreSQL and NATS: a subscriber connected to
either worker sees the changes made through both, and the relays of the two workers
put each notification on the bus, in order within each event."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.support import free_port, postgres_database
from tests.support_nats import nats_process, stop_process, unique_names
from tests.support_procs import holder, workers
from tests.support_sse import SSEReader

from threatmesh.bus.base import Delivery
from threatmesh.bus.nats import NatsBus
from threatmesh.storage.stream import outbox

BIN = Path(sys.executable).with_name("threatmesh")
TOPICS = {"topics": "misp_json_event,misp_json_attribute"}


@contextmanager
def _serve(env: dict[str, str], port: int, log: Path) -> Iterator[list[int]]:
    """The server with two workers; yields the workers' pids once both answer."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            if log.read_text().count("Application startup complete") >= 2:
                break
            time.sleep(0.1)
        yield workers(proc.pid)
    finally:
        stop_process(proc)


def _on(pids: list[int], port: int, response: httpx.Response) -> int | None:
    client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return holder(pids, port, int(client_port))


def _client_per_worker(url: str, key: str, pids: list[int], port: int) -> dict[int, httpx.Client]:
    """A keep-alive client on each worker (new connections until both are covered)."""
    found: dict[int, httpx.Client] = {}
    for _ in range(40):
        client = httpx.Client(base_url=url, headers={"Authorization": key}, timeout=30)
        with client.stream("GET", "/servers/getVersion") as r:
            worker = _on(pids, port, r)
            r.read()
        if worker is not None and worker not in found:
            found[worker] = client
        else:
            client.close()
        if len(found) == 2:
            return found
    raise AssertionError(f"connections reached only workers {sorted(found)} of {pids}")


def _write(client: httpx.Client, pids: list[int], port: int, worker: int, label: str) -> None:
    """An event and an attribute, both through ``worker``."""
    with client.stream("POST", "/events/add", json={"info": label}) as r:
        assert _on(pids, port, r) == worker
        ev: dict[str, Any] = r.read() and r.json()["Event"]
    with client.stream(
        "POST", f"/attributes/add/{ev['id']}", json={"type": "domain", "value": f"{label}.test"}
    ) as r:
        assert _on(pids, port, r) == worker and r.status_code == 200
        r.read()


@pytest.mark.slow
def test_a_subscriber_on_any_worker_sees_every_workers_changes(tmp_path: Path) -> None:
    names = unique_names()
    with postgres_database() as db, nats_process(tmp_path / "jetstream") as nats:
        env = {
            **os.environ,
            "THREATMESH_DATA_DIR": str(tmp_path),
            "THREATMESH_DATABASE_URL": db,
            "THREATMESH_BUS": "nats",
            "THREATMESH_NATS_URL": nats.url,
            "THREATMESH_NATS_STREAM": names["stream"],
            "THREATMESH_NATS_SUBJECT_PREFIX": names["prefix"],
            "THREATMESH_STREAM_POLL_SECONDS": "0.2",
        }
        init = ["admin", "init", "--org", "ORG", "--email", "a@org.test"]
        key = subprocess.run(
            [str(BIN), *init], env=env, capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with _serve(env, port, tmp_path / "serve.log") as pids:
            readers: dict[int, SSEReader] = {}
            for _ in range(40):  # an SSE subscriber on each worker, before any change
                reader = SSEReader(url, key, count=8, params=TOPICS).start()
                readers.setdefault(holder(pids, port, reader.client_port) or 0, reader)
                if len(set(readers) & set(pids)) == 2:
                    break
            assert set(pids) <= set(readers), f"subscribers reached {sorted(readers)} of {pids}"
            clients = _client_per_worker(url, key, pids, port)
            for worker, client in clients.items():
                for n in range(2):
                    _write(client, pids, port, worker, f"w{worker}-{n}")
            streams = {w: [(f.id, f.event) for f in r.join()] for w, r in readers.items()}
            for client in clients.values():
                client.close()
            engine = sa.create_engine(db)
            with engine.connect() as conn:
                deadline = time.monotonic() + 30
                while outbox.undelivered_count(conn) and time.monotonic() < deadline:
                    time.sleep(0.1)
                rows = (
                    conn.execute(
                        sa.select(outbox.notifications).order_by(outbox.notifications.c.id)
                    )
                    .mappings()
                    .all()
                )
                assert outbox.undelivered_count(conn) == 0
            engine.dispose()
        wanted = TOPICS["topics"].split(",")
        expected = [(r["id"], r["topic"]) for r in rows if r["topic"] in wanted]
        assert len(expected) == 8
        for worker in pids:
            assert streams[worker] == expected, f"worker {worker}'s subscriber"
        on_bus = _read_stream(nats.url, names, len(rows))
    assert sorted(d.message.id for d in on_bus) == [r["id"] for r in rows]
    for uuid in {d.message.event_uuid for d in on_bus}:
        ids = [d.message.id for d in on_bus if d.message.event_uuid == uuid]
        assert ids == sorted(ids)


def _read_stream(url: str, names: dict[str, str], count: int) -> list[Delivery]:
    bus = NatsBus(url, **names)
    try:
        sub = bus.subscribe()
        got: list[Delivery] = []
        deadline = time.monotonic() + 20
        while len(got) < count and time.monotonic() < deadline:
            got += sub.fetch(limit=100, timeout=0.5)
        got += sub.fetch(limit=100, timeout=0.3)  # nothing more: no duplicates
        sub.close()
        return got
    finally:
        bus.close()
