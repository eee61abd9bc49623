"""``threatmesh lab plans|check|relabel|cowrie``: plans as files, checked before anything
runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from threatmesh.sensors.flows import csv_flows
from threatmesh.sensors.lab_hosts import missing_tools
from threatmesh.services.detect.training import load_chunk

BIN = Path(sys.executable).with_name("threatmesh")
DATA = Path(__file__).parent.parent / "detection" / "data"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [str(BIN), "lab", *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_plans_and_check_show_what_would_run(tmp_path: Path) -> None:
    listed = _run("plans")
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        "day1", "day2", "day3", "day4", "holdout", "smoke"
    ]  # fmt: skip
    checked = _run("check", "day1")
    assert checked.returncode == 0
    assert checked.stdout.splitlines()[1].startswith("WebScan: timeout 25 dirb http://10.99.0.10/")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\nlabel = "X"\ntool = "rm"\nargs = ["-rf", "/"]\n')
    refused = _run("check", str(bad))
    assert refused.returncode == 2
    assert f"error: {bad}, step 1: tool 'rm' is not a lab attack tool" in refused.stderr
    assert _run("run", "--plan", str(bad), "--out", str(tmp_path)).returncode == 2


def test_relabel_gives_the_labels_of_the_current_rule(tmp_path: Path) -> None:
    out = tmp_path / "attack.flows.csv"
    done = _run("relabel", str(DATA / "attack.pcap"), str(out))
    assert done.returncode == 0, done.stderr
    written = Counter(lab for b in csv_flows(out) for lab in b.labels or [])
    assert written == Counter(load_chunk(DATA / "attack.pcap").labels)
    assert written["PortScan"] > 1000 and written["BENIGN"] > 0


def test_cowrie_without_cowrie_says_why(tmp_path: Path) -> None:
    done = _run("cowrie", "--out", str(tmp_path), "--cowrie-venv", str(tmp_path / "none"))
    assert done.returncode == 2
    if os.geteuid() != 0:
        assert "the lab needs root" in done.stderr
    elif missing_tools():
        assert "missing lab tools" in done.stderr
    else:  # the lab ran, the honeypot could not start, and the lab was taken down
        assert "the honeypot exited at start" in done.stderr
        assert "twistd not found" in done.stderr
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert not [n for n in listed.split() if n.startswith("tm") and n.endswith("-sw")]
