"""The traffic lab end to end: namespaces, real services and tools, capture, labels.

Needs root and the Debian tools (`make lab-tools` installs them). Without them it
skips with the reason; under CI=true that is a failure, as for any missing service.
Takes about 30 seconds (one short plan), so it is marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.support import require_service
from threatmesh.detection.schedule import GRACE_SECONDS
from threatmesh.sensors.flows import csv_flows
from threatmesh.sensors.lab_hosts import HOSTS, missing_tools
from threatmesh.services.detect.lab import generate


def _lab_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces)"
    missing = missing_tools()
    return f"lab tools missing: {', '.join(missing)} (run `make lab-tools`)" if missing else None


@pytest.mark.slow
def test_smoke_plan_gives_a_labelled_capture_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_service(_lab_unavailable())
    caller = tmp_path / "caller"
    caller.mkdir()
    monkeypatch.chdir(caller)  # the tools' droppings (hydra.restore) must not land here
    out = generate(plan="smoke", out=Path("..", "out"), seed=3, benign_seconds=6, gap=2,
                   progress=lambda _: None)  # fmt: skip
    assert list(caller.iterdir()) == []
    assert out.pcap.stat().st_size > 0 and out.schedule.exists()
    labels = Counter(lab for b in csv_flows(out.flows_csv) for lab in b.labels or [])
    assert labels["PortScan"] > 1000  # nmap over 2,500 ports, one flow each
    assert labels["BENIGN"] > 10
    # The attacker's browsing waits out the grace: in it, only the scan's own
    # connections go on (labelled PortScan), no new flow of the attacker starts.
    end = out_schedule_end(out.schedule)
    late = [
        lab
        for b in csv_flows(out.flows_csv)
        for ident, lab in zip(b.identity, b.labels or [], strict=True)
        if HOSTS["attacker"] in {ident["Source IP"], ident["Destination IP"]}
        and end < ident["First Seen"] <= end + GRACE_SECONDS
    ]
    assert set(late) <= {"PortScan"}
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not [n for n in listed.split() if n.startswith("tm") and n.endswith("-sw")]


def out_schedule_end(path: Path) -> float:
    """When the run's (only) attack step ended."""
    return float(json.loads(path.read_text())["steps"][-1]["end"])
