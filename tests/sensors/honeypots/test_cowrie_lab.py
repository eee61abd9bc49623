"""Cowrie where the lab's sshd would be, attacked by the lab's hydra and by password
logins that run commands; the capture labelled from Cowrie's log.

Needs root, the lab's Debian tools (`make lab-tools`) and Cowrie's venv (`make
cowrie-venv`); without them it skips with the reason (under CI=true a failure, as for any
missing service). About 40 seconds (one short round), so it is marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.support import require_service
from threatmesh.detection.features import CIC_FEATURES
from threatmesh.sensors.flows import pcap_flows
from threatmesh.sensors.honeypots.cowrie_lab import COMMANDS, HOSTS
from threatmesh.sensors.lab_hosts import missing_tools
from threatmesh.services.detect.lab import record_honeypot
from threatmesh.services.honeynet.run import write_schedule

PORT = CIC_FEATURES.index("Destination Port")
ROOT = Path(__file__).resolve().parents[3]
COWRIE_VENV = Path(os.environ.get("THREATMESH_COWRIE_VENV", ROOT / ".cache" / "cowrie-venv"))


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces)"
    if missing := missing_tools():
        return f"lab tools missing: {', '.join(missing)} (run `make lab-tools`)"
    if not (COWRIE_VENV / "bin" / "twistd").exists():
        return f"no Cowrie in {COWRIE_VENV} (run `make cowrie-venv`)"
    return None


@pytest.mark.slow
def test_a_round_at_cowrie_gives_flows_labelled_from_its_log(tmp_path: Path) -> None:
    require_service(_unavailable())
    done = record_honeypot(out=tmp_path, cowrie_venv=COWRIE_VENV, rounds=1, limit=8,
                           progress=lambda _: None)  # fmt: skip
    records = [json.loads(line) for line in done.log.read_text().splitlines()]
    events = Counter(r["eventid"] for r in records)
    assert events["cowrie.login.failed"] > 10  # hydra's attempts, refused
    assert events["cowrie.login.success"] == len(COMMANDS)  # the logins, one per command
    assert {r["input"] for r in records if r["eventid"] == "cowrie.command.input"} == set(COMMANDS)
    schedule = write_schedule(done.log, tmp_path / "cowrie-ssh.schedule.json")
    batches = list(pcap_flows(done.pcap, schedule=schedule))
    attacker = [
        (ident["Destination IP"], int(row[PORT]), lab)
        for b in batches
        for ident, row, lab in zip(b.identity, b.features, b.labels or [], strict=True)
        if ident["Source IP"] == HOSTS["attacker"]
    ]
    assert {(dst, port) for dst, port, _ in attacker} == {(HOSTS["server"], 22)}
    # Every connection the attacker made is a verified positive, each login session
    # too (its first packet comes before Cowrie logs its connect), but for hydra's first
    # probe, which tries no login (labelled only when within a second of a session).
    labels = Counter(lab for _, _, lab in attacker)
    assert labels["SSH-Patator"] >= len(COMMANDS) + 6
    assert labels["BENIGN"] <= 1
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not [n for n in listed.split() if n.startswith("tm") and n.endswith("-sw")]
