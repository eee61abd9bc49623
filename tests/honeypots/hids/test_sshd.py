"""OpenSSH authentication log lines."""

from __future__ import annotations

import datetime as dt

import pytest

from threatmesh.honeypots.hids.sshd import (
    AuthEvent,
    Outcome,
    parse_journal_entry,
    parse_line,
    parse_message,
)

T = int(dt.datetime(2026, 12, 5, 10, 0, 1, tzinfo=dt.UTC).timestamp())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Dec  5 10:00:01 web-01 sshd[812]: Accepted publickey for alice from 192.0.2.10 "
            "port 52314 ssh2: ED25519 SHA256:3q2+7w",
            AuthEvent(T, Outcome.ACCEPTED, "alice", "192.0.2.10", 52314, "publickey"),
        ),
        (
            "Dec  5 10:00:01 web-01 sshd[812]: Failed password for root from 203.0.113.5 "
            "port 41022 ssh2",
            AuthEvent(T, Outcome.FAILED, "root", "203.0.113.5", 41022, "password"),
        ),
        (
            "Dec  5 10:00:01 web-01 sshd[812]: Failed password for invalid user oracle "
            "from 2001:db8::7 port 41022 ssh2",
            AuthEvent(T, Outcome.INVALID_USER, "oracle", "2001:db8::7", 41022, "password"),
        ),
        (
            "Dec  5 10:00:01 web-01 sshd[812]: Invalid user admin from 203.0.113.5 port 41022",
            AuthEvent(T, Outcome.INVALID_USER, "admin", "203.0.113.5", 41022, ""),
        ),
        (
            "2026-12-05T10:00:01.123456+00:00 web-01 sshd-session[90]: error: maximum "
            "authentication attempts exceeded for root from 203.0.113.5 port 41022 ssh2 [preauth]",
            AuthEvent(T, Outcome.FAILED, "root", "203.0.113.5", 41022, ""),
        ),
        (
            "Dec  5 10:00:01 web-01 sshd[812]: message repeated 4 times: [ Failed password "
            "for root from 203.0.113.5 port 41022 ssh2]",
            AuthEvent(T, Outcome.FAILED, "root", "203.0.113.5", 41022, "password", 4),
        ),
        (
            "Dec  5 10:00:01 web-01 sshd[812]: PAM 2 more authentication failures; logname= "
            "uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root",
            AuthEvent(T, Outcome.FAILED, "root", "203.0.113.5", 0, "pam", 2),
        ),
    ],
)
def test_authentication_attempts(line: str, expected: AuthEvent) -> None:
    assert parse_line(line, year=2026) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Dec  5 10:00:01 web-01 sshd[812]: Connection closed by 203.0.113.5 port 41022 [preauth]",
        "Dec  5 10:00:01 web-01 sshd[812]: pam_unix(sshd:session): session opened for user bob",
        "Dec  5 10:00:01 web-01 sudo[99]: Failed password for root from 203.0.113.5 port 1 ssh2",
        "Feb 30 10:00:01 web-01 sshd[812]: Failed password for root from 1.2.3.4 port 1 ssh2",
        "not a syslog line",
        "",
    ],
)
def test_other_lines_are_not_attempts(line: str) -> None:
    assert parse_line(line, year=2026) is None


def test_journald_messages_have_no_prefix() -> None:
    event = parse_message("Accepted password for bob from 198.51.100.4 port 2222 ssh2", T)
    assert event == AuthEvent(T, Outcome.ACCEPTED, "bob", "198.51.100.4", 2222, "password")


def test_journald_entries() -> None:
    entry = {
        "SYSLOG_IDENTIFIER": "sshd",
        "MESSAGE": "Failed password for root from 203.0.113.5 port 41022 ssh2",
        "__REALTIME_TIMESTAMP": str(T * 1_000_000 + 123_456),
        "_PID": "812",
    }
    assert parse_journal_entry(entry) == AuthEvent(
        T, Outcome.FAILED, "root", "203.0.113.5", 41022, "password"
    )
    as_bytes = {**entry, "MESSAGE": list(b"Invalid user \xff from 203.0.113.5 port 1")}
    parsed = parse_journal_entry(as_bytes)
    assert parsed is not None and parsed.outcome is Outcome.INVALID_USER
    assert parse_journal_entry({**entry, "SYSLOG_IDENTIFIER": "cron"}) is None
    assert parse_journal_entry({**entry, "__REALTIME_TIMESTAMP": "soon"}) is None
