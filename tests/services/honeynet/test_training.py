"""Honeypot sessions as a lab schedule: the flows of attacking sessions are positives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.honeypots.ingest.test_cowrie import BASE, _records
from threatmesh.detection.schedule import BENIGN, Schedule
from threatmesh.services.honeynet.run import write_schedule
from threatmesh.services.honeynet.training import HANDSHAKE_LEAD


def test_attacking_sessions_label_their_flows_and_nothing_else(tmp_path: Path) -> None:
    log = tmp_path / "cowrie.json"
    # A scanner that connected and left: no login attempt, no positive.
    quiet = [
        {**r, "session": "000000000000", "src_ip": "198.51.100.9"}
        for r in _records()
        if "login" not in r["eventid"] and "command" not in r["eventid"]
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in [*_records(), *quiet]))
    out = tmp_path / "hp.schedule.json"
    written = write_schedule(log, out)
    schedule = Schedule.from_dict(json.loads(out.read_text()))
    assert schedule == written and schedule.run == "hp" and len(schedule.steps) == 1
    step = schedule.steps[0]
    assert (step.attacker, step.target, step.label) == (
        BASE["src_ip"],
        BASE["dst_ip"],
        "SSH-Patator",
    )
    inside = step.start + 1
    assert schedule.label(BASE["src_ip"], BASE["dst_ip"], inside) == "SSH-Patator"
    assert schedule.label(BASE["dst_ip"], BASE["src_ip"], inside) == "SSH-Patator"
    assert schedule.label("198.51.100.9", BASE["dst_ip"], inside) == BENIGN
    assert schedule.label(BASE["src_ip"], BASE["dst_ip"], step.end + 60) == BENIGN


def test_a_step_opens_before_its_session_as_the_handshake_does(tmp_path: Path) -> None:
    # Cowrie logs the connect once the TCP handshake is done: the flow's first packet
    # (a few milliseconds earlier, cut to the millisecond) belongs to the session.
    log = tmp_path / "cowrie.json"
    log.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    step = write_schedule(log, tmp_path / "hp.schedule.json").steps[0]
    connect = next(r for r in _records() if r["eventid"] == "cowrie.session.connect")
    opened = dt.datetime.fromisoformat(connect["timestamp"].replace("Z", "+00:00")).timestamp()
    assert step.start == opened - HANDSHAKE_LEAD
    syn = opened - 0.006
    assert Schedule("hp", (step,)).label(BASE["src_ip"], BASE["dst_ip"], syn) == "SSH-Patator"
