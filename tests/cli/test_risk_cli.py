"""``threatmesh risk show`` as an operator runs it (a subprocess against a live server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pymisp import MISPEvent, PyMISP
from tests.honeypots.risk.misp_facts import APACHE_2449, inventory_event, vulnerability_event
from tests.support import LiveServer

BIN = Path(sys.executable).with_name("threatmesh")


def _run(*args: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THREATMESH_MISP_KEY": key}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120, env=env)


def test_risk_show(sqlite_server: LiveServer) -> None:
    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False, timeout=60)
    for event in (
        inventory_event("web-01", [APACHE_2449]),
        vulnerability_event("CVE-2021-41773", [APACHE_2449], score=7.5, published="2021-10-05"),
    ):
        assert isinstance(misp.add_event(event, pythonify=True), MISPEvent)
    url = ["--url", sqlite_server.url]
    shown = _run("risk", "show", "web-01", *url, "--json", key=sqlite_server.admin_key)
    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout)
    factors = {f["factor"]: f for f in answer["factors"]}
    assert factors["vulnerabilities"]["items"][0]["name"] == "CVE-2021-41773"
    assert factors["patch_lag"]["log_odds"] > 2.5  # years late
    assert 0.5 < answer["probability"] < 1
    text = _run("risk", "show", "web-01", *url, key=sqlite_server.admin_key)
    assert text.returncode == 0
    assert text.stdout.startswith(f"web-01: probability of compromise {answer['probability']:.1%}")
    assert "patch_lag" in text.stdout
    unknown = _run("risk", "show", "nowhere", *url, key=sqlite_server.admin_key)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: Invalid host.")
    bad_key = _run("risk", "show", "web-01", *url, key="x" * 40)
    assert bad_key.returncode == 2
