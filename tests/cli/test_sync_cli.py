"""``threatmesh sync`` pulls from a live instance and prints one summary per run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from tests.services.anonymizer.test_sharing_policies import (
    ENVELOPE,
    PORT_LABELS,
    bind_to_b,
    event,
    peer_policy,
)
from tests.services.sync.federation import pair, puller
from tests.support import live_server

BIN = Path(sys.executable).with_name("threatmesh")


def test_sync_pulls_once_and_reports(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    with (
        live_server(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a") as a,
        httpx.Client(base_url=a.url, headers={"Authorization": a.admin_key}) as http,
    ):
        for i in range(3):
            http.post(
                "/events/add",
                json={
                    "info": f"cli {i}",
                    "distribution": 3,
                    "published": True,
                    "Attribute": [{"type": "domain", "value": f"cli{i}.example"}],
                },
            ).raise_for_status()
        b_url = f"sqlite:///{tmp_path / 'b.db'}"
        puller(b_url, a).platform.engine.dispose()
        env = {**os.environ, "THREATMESH_DATABASE_URL": b_url, "THREATMESH_DATA_DIR": str(tmp_path)}
        runs = []
        for _ in range(2):
            done = subprocess.run(
                [str(BIN), "sync"], env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            runs.append([json.loads(line) for line in done.stdout.splitlines()])
    assert [(r["direction"], r["added"]) for r in runs[0]] == [("pull", 3)]
    assert [(r["direction"], r["added"], r["skipped"]) for r in runs[1]] == [("pull", 0, 0)]


def test_sync_skips_an_event_it_cannot_push_with_a_one_line_reason(tmp_path: Path) -> None:
    """Issue 14: a protected attribute under a bound policy killed the push with a
    traceback, and as the run retried that event first, nothing after it ever went."""
    urls = (f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}")
    with pair(urls, tmp_path) as two:
        bind_to_b(two, peer_policy(PORT_LABELS))
        failing = event(two.a, "port", {"type": "ip-dst|port", "value": "203.0.113.9|443"})
        sealed = event(two.a, "sealed", {"type": "ip-dst", "Protected": ENVELOPE})
        after = event(two.a, "after")
        env = {
            **os.environ,
            "THREATMESH_DATABASE_URL": urls[0],
            "THREATMESH_DATA_DIR": str(tmp_path),
        }
        done = subprocess.run(
            [str(BIN), "sync", two.a_to_b, "--no-pull"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        (summary,) = [json.loads(line) for line in done.stdout.splitlines()]
        assert (summary["added"], summary["failed"]) == (2, 1), summary
        assert "Traceback" not in done.stderr
        (line,) = [ln for ln in done.stderr.splitlines() if failing["uuid"] in ln]
        assert line.startswith(f"push server {two.a_to_b}: event {failing['uuid']} skipped: ")
        assert "rules[0] 'ports'" in line
        assert two.b.event(sealed["uuid"]) is not None and two.b.event(after["uuid"]) is not None
