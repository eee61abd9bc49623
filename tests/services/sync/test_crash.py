"""Kill the pulling instance (or the pushing process) with SIGKILL in the middle of a
sync; after a restart the next sync completes with no event missing and none
duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.services.sync.federation import puller
from tests.support import free_port, live_server, site_admin
from threatmesh.formats.misp_json import parse_event
from threatmesh.services.platform import Platform
from threatmesh.services.sync import servers
from threatmesh.storage.core import database
from threatmesh.storage.core.tables import attributes, events, organisations
from threatmesh.storage.events import writes
from threatmesh.storage.sync.tables import sync_log

THREATMESH = Path(sys.executable).with_name("threatmesh")
EVENTS = 500


def _fill(platform: Platform, org_id: int, n: int = EVENTS) -> set[str]:
    """``n`` published distribution-3 events of 3 attributes, written in one go."""
    uuids = set()
    now, today = platform.now(), platform.today()
    with platform.write() as conn:
        for i in range(n):
            body = {
                "info": f"crash test {i}",
                "distribution": 3,
                "published": True,
                "Attribute": [
                    {"type": "domain", "value": f"e{i}-{k}.crash.example"} for k in range(3)
                ],
            }
            draft = parse_event(body, now=now, today=today)
            draft.publish_timestamp = now
            writes.insert_event(conn, draft, org_id=org_id, orgc_id=org_id, user_id=1, locked=False)
            uuids.add(draft.uuid)
    return uuids


@contextmanager
def serve(db_url: str, scratch: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``threatmesh serve`` in a child process, until the block ends (or it is killed)."""
    env = dict(
        os.environ,
        THREATMESH_DATABASE_URL=db_url,
        THREATMESH_DATA_DIR=str(scratch),
        THREATMESH_BASE_URL=f"http://127.0.0.1:{port}",
    )
    log = (scratch / f"serve-{time.monotonic_ns()}.log").open("wb")
    proc = subprocess.Popen(
        [str(THREATMESH), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with httpx.Client(timeout=1) as probe:
                    probe.get(f"http://127.0.0.1:{port}/servers/getVersion")
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)
        log.close()


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())


def test_pull_survives_sigkill(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    with live_server(f"sqlite:///{a_dir / 'a.db'}", a_dir) as a:
        sent = _fill(a.platform, org_id=1)
        # B: its own database, an admin, and a connection to A with a sync user's key.
        b_url = f"sqlite:///{b_dir / 'b.db'}"
        pb = puller(b_url, a)
        b, b_key = pb.platform, pb.admin_key
        pull_path = f"/servers/pull/{pb.server_id}"
        port = free_port()
        b_http = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": b_key}, timeout=300
        )
        try:
            _crash_and_resume(b, b_http, b_url, b_dir, port, pull_path, sent)
        finally:
            b_http.close()
            b.engine.dispose()


def _crash_and_resume(
    b: Platform,
    b_http: httpx.Client,
    b_url: str,
    b_dir: Path,
    port: int,
    pull_path: str,
    sent: set[str],
) -> None:
    """Pull, SIGKILL B after its first committed batch, restart B, pull again."""
    with serve(b_url, b_dir, port) as proc:
        thread = threading.Thread(target=_pull_quietly, args=(b_http, pull_path), daemon=True)
        thread.start()
        deadline = time.monotonic() + 120
        while _count(b.engine) == 0:  # the first batch is committed: kill mid-pull
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
        thread.join(timeout=30)
    stored = _count(b.engine)
    assert 0 < stored < EVENTS, f"the kill came after {stored} events"

    with serve(b_url, b_dir, port):
        summary = b_http.post(pull_path).json()
    assert summary["failed"] == 0, summary
    assert summary["added"] == EVENTS - stored, summary
    with b.engine.connect() as conn:
        got = list(conn.execute(sa.select(events.c.uuid)).scalars())
        n_attrs = conn.execute(sa.select(sa.func.count()).select_from(attributes)).scalar()
        logged = conn.execute(sa.select(sa.func.count()).select_from(sync_log)).scalar()
    assert sorted(got) == sorted(sent)  # none missing, none twice
    assert (n_attrs, logged) == (3 * EVENTS, EVENTS)


def _pull_quietly(client: httpx.Client, path: str) -> None:
    """Start a pull whose server is about to die: the broken connection is expected."""
    try:
        client.post(path)
    except httpx.TransportError:
        pass


def test_push_survives_sigkill(tmp_path: Path) -> None:
    """The pushing process (``threatmesh sync --no-pull``) killed mid-push: the next
    run sends the rest, and B holds every event once."""
    (tmp_path / "b").mkdir()
    a_url = f"sqlite:///{tmp_path / 'a.db'}"
    a = Platform(engine=database.create_engine(a_url))
    database.upgrade(a.engine)
    a_who = site_admin(a, "ORG-A", "admin@a.test")
    sent = _fill(a, org_id=a_who.viewer.org_id, n=300)
    with (
        live_server(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b") as b,
        httpx.Client(base_url=b.url, headers={"Authorization": b.admin_key}) as http,
    ):
        with a.read() as conn:
            a_org = conn.execute(sa.select(organisations.c.uuid)).scalar_one()
        org = http.post("/admin/organisations/add", json={"name": "ORG-A", "uuid": a_org})
        user = http.post(
            "/admin/users/add",
            json={
                "email": "sync-a@b.test",
                "org_id": org.json()["Organisation"]["id"],
                "role_id": 5,
            },
        ).json()["User"]
        servers.add(a, a_who, {"url": b.url, "authkey": user["authkey"], "push": True})
        env = dict(os.environ, THREATMESH_DATABASE_URL=a_url, THREATMESH_DATA_DIR=str(tmp_path))
        proc = subprocess.Popen(
            [str(THREATMESH), "sync", "--no-pull"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while _count(b.platform.engine) == 0:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()
        stored = _count(b.platform.engine)
        assert 0 < stored < len(sent), f"the kill came after {stored} events"
        done = subprocess.run(
            [str(THREATMESH), "sync", "--no-pull"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        with b.platform.engine.connect() as conn:
            got = list(conn.execute(sa.select(events.c.uuid)).scalars())
    # (<=: a request in flight at the kill may still have been stored by B)
    assert summary["failed"] == 0 and 0 < summary["added"] <= len(sent) - stored, summary
    assert sorted(got) == sorted(sent)
    a.engine.dispose()
