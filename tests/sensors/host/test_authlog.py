"""Following an auth.log across appends, rotation and truncation; journald exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from threatmesh.honeypots.hids.sshd import Outcome
from threatmesh.sensors.host.authlog import AuthLog, journal_events

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC).timestamp()
FAIL = (
    "Dec  5 10:00:0{n} web-01 sshd[812]: Failed password for root from 203.0.113.{n} port 4 ssh2\n"
)
NOISE = "Dec  5 10:00:00 web-01 CRON[1]: pam_unix(cron:session): session opened\n"


def _append(path: Path, text: str) -> None:
    with path.open("a") as f:
        f.write(text)


def test_appends_rotation_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    log = AuthLog(path, clock=lambda: NOW)
    assert log.read() == []  # no file yet
    path.write_text(NOISE + FAIL.format(n=1))
    assert [e.source for e in log.read()] == ["203.0.113.1"]
    assert log.read() == []
    # Half a line waits for its end.
    line = FAIL.format(n=2)
    _append(path, line[:20])
    assert log.read() == []
    _append(path, line[20:])
    assert [e.source for e in log.read()] == ["203.0.113.2"]
    # logrotate: the file is renamed and a new one created.
    path.rename(tmp_path / "auth.log.1")
    path.write_text(FAIL.format(n=3))
    assert [e.source for e in log.read()] == ["203.0.113.3"]
    # copytruncate: the same file, emptied then written.
    path.write_text("")
    _append(path, FAIL.format(n=4))
    assert [e.source for e in log.read()] == ["203.0.113.4"]


def test_watching_skips_history_and_years_roll_over(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    path.write_text(FAIL.format(n=1))
    january = dt.datetime(2027, 1, 1, 0, 5, tzinfo=dt.UTC).timestamp()
    log = AuthLog(path, start_at_end=True, clock=lambda: january)
    assert log.read() == []
    _append(path, FAIL.format(n=5))  # a December line read just after New Year
    (event,) = log.read()
    assert dt.datetime.fromtimestamp(event.at, dt.UTC).year == 2026


def test_journald_json_export() -> None:
    stamp = str(int(NOW) * 1_000_000)
    lines = [
        json.dumps({"SYSLOG_IDENTIFIER": "sshd", "__REALTIME_TIMESTAMP": stamp,
                    "MESSAGE": "Accepted publickey for alice from 192.0.2.1 port 5 ssh2"}),
        json.dumps({"SYSLOG_IDENTIFIER": "systemd", "__REALTIME_TIMESTAMP": stamp,
                    "MESSAGE": "Started ssh.service"}),
        "not json",
        "[1, 2]",
    ]  # fmt: skip
    (event,) = journal_events(lines)
    assert (event.outcome, event.user, event.at) == (Outcome.ACCEPTED, "alice", int(NOW))


def test_following_a_journald_export(tmp_path: Path) -> None:
    path = tmp_path / "ssh.json"
    log = AuthLog(path, clock=lambda: NOW, journal=True)
    entry = {"SYSLOG_IDENTIFIER": "sshd", "__REALTIME_TIMESTAMP": str(int(NOW) * 1_000_000),
             "MESSAGE": "Failed password for root from 203.0.113.7 port 5 ssh2"}  # fmt: skip
    path.write_text(json.dumps(entry) + "\n" + json.dumps(entry)[:10])
    assert [e.source for e in log.read()] == ["203.0.113.7"]
    _append(path, json.dumps(entry)[10:] + "\n")
    assert [e.source for e in log.read()] == ["203.0.113.7"]
