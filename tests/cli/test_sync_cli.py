"""``threatmesh sync`` pulls from a live instance and prints one summary per run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from tests.services.federation import puller
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
