"""OpenSSH's authentication log lines, parsed into records.

The messages are OpenSSH's own (``auth2.c``'s ``auth_log``, ``auth.c``'s invalid-user
and maximum-attempts messages, ``sshpam``'s PAM failures), as syslog writes them to
``/var/log/auth.log`` (``Dec  5 10:00:01 host sshd[812]: ...``, or RFC 3339 timestamps
with rsyslog's high-precision format) or as journald keeps them (``MESSAGE`` with
``SYSLOG_IDENTIFIER=sshd``). rsyslog's ``message repeated N times: [ ... ]`` counts N.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "AuthEvent",
    "Outcome",
    "parse_journal_entry",
    "parse_line",
    "parse_message",
    "syslog_time",
]


class Outcome(StrEnum):
    """What happened to an authentication attempt."""

    ACCEPTED = "accepted"
    FAILED = "failed"
    INVALID_USER = "invalid-user"


@dataclass(frozen=True, slots=True)
class AuthEvent:
    """One (or ``count`` identical) sshd authentication attempts."""

    at: int
    outcome: Outcome
    user: str
    source: str
    port: int = 0
    method: str = ""
    count: int = 1


#: The programs that log sshd's messages (OpenSSH 9.8 moved them to ``sshd-session``,
#: 10.0 some to ``sshd-auth``).
SSHD_PROGRAMS = frozenset({"sshd", "sshd-session", "sshd-auth"})
_FROM = r"(?P<source>[0-9A-Fa-f:.]+) port (?P<port>\d+)"
_PATTERNS: tuple[tuple[re.Pattern[str], Outcome], ...] = (
    (re.compile(rf"^Accepted (?P<method>\S+) for (?P<user>\S+) from {_FROM}"), Outcome.ACCEPTED),
    (
        re.compile(rf"^Failed (?P<method>\S+) for invalid user (?P<user>.*?) from {_FROM}"),
        Outcome.INVALID_USER,
    ),
    (re.compile(rf"^Failed (?P<method>\S+) for (?P<user>\S+) from {_FROM}"), Outcome.FAILED),
    (re.compile(rf"^Invalid user (?P<user>.*?) from {_FROM}"), Outcome.INVALID_USER),
    (
        re.compile(
            rf"^error: maximum authentication attempts exceeded for (?:invalid user )?"
            rf"(?P<user>\S+) from {_FROM}"
        ),
        Outcome.FAILED,
    ),
)
_PAM = re.compile(
    r"^PAM (?P<count>\d+) more authentication failures?;"
    r".*rhost=(?P<source>\S+)(?:\s+user=(?P<user>\S+))?"
)
_REPEATED = re.compile(r"^message repeated (?P<count>\d+) times: \[ ?(?P<message>.*?) ?\]$")
_SYSLOG = re.compile(
    r"^(?P<stamp>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ "
    r"(?P<program>[\w.-]+)(?:\[\d+\])?: (?P<message>.*)$"
)


def parse_message(message: str, at: int) -> AuthEvent | None:
    """The sshd message ``message`` (the text after ``sshd[pid]: ``), or None if it is not
    an authentication attempt."""
    repeated = _REPEATED.match(message)
    if repeated:
        inner = parse_message(repeated["message"], at)
        if inner is None:
            return None
        return AuthEvent(
            inner.at, inner.outcome, inner.user, inner.source, inner.port, inner.method,
            inner.count * int(repeated["count"]),
        )  # fmt: skip
    for pattern, outcome in _PATTERNS:
        m = pattern.match(message)
        if m:
            groups = m.groupdict()
            return AuthEvent(
                at, outcome, m["user"], m["source"], int(m["port"]), groups.get("method") or ""
            )
    pam = _PAM.match(message)
    if pam:
        user = pam["user"] or ""
        return AuthEvent(at, Outcome.FAILED, user, pam["source"], 0, "pam", int(pam["count"]))
    return None


def syslog_time(stamp: str, year: int, tz: dt.tzinfo = dt.UTC) -> int:
    """Epoch seconds of a syslog timestamp: ``Dec  5 10:00:01`` (no year: ``year`` is
    given, the host's time zone ``tz``) or RFC 3339."""
    if stamp[:4].isdigit():
        moment = dt.datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return int(moment.timestamp())
    moment = dt.datetime.strptime(f"{year} {stamp}", "%Y %b %d %H:%M:%S").replace(tzinfo=tz)
    return int(moment.timestamp())


def parse_line(line: str, *, year: int, tz: dt.tzinfo = dt.UTC) -> AuthEvent | None:
    """An ``auth.log`` line, or None if it is not an sshd authentication attempt (or
    not a syslog line at all)."""
    m = _SYSLOG.match(line.rstrip("\r\n"))
    if m is None or m["program"] not in SSHD_PROGRAMS:
        return None
    try:
        at = syslog_time(m["stamp"], year, tz)
    except ValueError:
        return None
    return parse_message(m["message"], at)


def parse_journal_entry(entry: Mapping[str, Any]) -> AuthEvent | None:
    """A journald entry in ``journalctl -o json`` form: sshd's ``MESSAGE`` at
    ``__REALTIME_TIMESTAMP`` (microseconds). A ``MESSAGE`` that is not UTF-8 comes as a
    list of byte values."""
    if entry.get("SYSLOG_IDENTIFIER") not in SSHD_PROGRAMS:
        return None
    message = entry.get("MESSAGE")
    if isinstance(message, list):
        message = bytes(b for b in message if isinstance(b, int) and 0 <= b < 256).decode(
            "utf-8", "replace"
        )
    stamp = str(entry.get("__REALTIME_TIMESTAMP", ""))
    if not isinstance(message, str) or not stamp.isdigit():
        return None
    return parse_message(message, int(stamp) // 1_000_000)
