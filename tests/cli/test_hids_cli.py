"""``threatmesh hids learn`` and ``watch --once`` as an operator runs them."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from pymisp import PyMISP
from tests.support import LiveServer

BIN = Path(sys.executable).with_name("threatmesh")


def _run(*args: str, key: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THREATMESH_MISP_KEY": key}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120, env=env)


def _line(at: float, message: str) -> str:
    stamp = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%b %e %H:%M:%S")
    return f"{stamp} web-01 sshd[7]: {message}\n"


def test_learn_then_watch_once(sqlite_server: LiveServer, tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    now = time.time()
    log.write_text(_line(now - 7200, "Accepted publickey for alice from 192.0.2.10 port 1 ssh2"))
    baseline = tmp_path / "baseline.json"
    learned = _run("hids", "learn", "--out", str(baseline), "--auth-log", str(log))
    assert learned.returncode == 0, learned.stderr
    assert json.loads(baseline.read_text())["login_sources"] == {"alice": ["192.0.2.0/24"]}

    with log.open("a") as f:
        for i in range(12):
            f.write(
                _line(now - 30 + i, f"Failed password for root from 198.51.100.9 port {i} ssh2")
            )
    args = ["hids", "watch", "--host", "web-01", "--baseline", str(baseline)]
    args += ["--url", sqlite_server.url, "--auth-log", str(log), "--once"]
    watched = _run(*args, key=sqlite_server.admin_key)
    assert watched.returncode == 0, watched.stderr
    assert "brute-force (0.6): 12 failed logins from 198.51.100.9 within 10 min" in watched.stdout
    assert "reported" in watched.stdout
    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False, timeout=60)
    found = misp.search(controller="attributes", value="198.51.100.9", tags=["threatmesh:hids"])
    assert len(found["Attribute"]) == 1

    both = _run("hids", "learn", "--out", str(baseline), "--auth-log", "a", "--journal-file", "b")
    assert both.returncode == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    bad = _run(
        "hids", "watch", "--host", "h", "--baseline", str(broken), "--url", "http://x", key="k"
    )
    assert bad.returncode == 2 and "broken.json" in bad.stderr
