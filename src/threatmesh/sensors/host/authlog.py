"""sshd's authentication attempts from a syslog file (``/var/log/auth.log``, followed
across rotation and truncation) or from journald's JSON export
(``journalctl -o json -u ssh``, piped in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from threatmesh.honeypots.hids.sshd import AuthEvent, parse_journal_entry, parse_line
from threatmesh.sensors.files.follow import LineFollower

__all__ = ["AuthLog", "journal_events"]


class AuthLog:
    """Follows a syslog file (or, with ``journal``, a file of journald JSON export lines,
    as ``journalctl -o json -f -u ssh`` writes): each :meth:`read` returns the attempts
    in the complete lines written since the previous one, across rotation and truncation
    (:class:`~threatmesh.sensors.files.follow.LineFollower`). ``start_at_end``: skip what
    the file already holds (watching), or read it all (learning from history)."""

    def __init__(
        self,
        path: Path,
        *,
        start_at_end: bool = False,
        clock: Callable[[], float],
        tz: dt.tzinfo = dt.UTC,
        journal: bool = False,
    ) -> None:
        self.path, self.clock, self.tz, self.journal = path, clock, tz, journal
        self._lines = LineFollower(path, start_at_end=start_at_end)

    def read(self) -> list[AuthEvent]:
        """The attempts logged since the last call (none if the file is missing)."""
        lines = self._lines.read()
        if self.journal:
            return journal_events(lines)
        # Syslog stamps have no year: the year of now, or the one before for December's
        # lines read in January.
        now = dt.datetime.fromtimestamp(self.clock(), self.tz)
        found = []
        for raw in lines:
            event = parse_line(raw.decode("utf-8", "replace"), year=now.year, tz=self.tz)
            if event is not None and event.at > self.clock() + 86_400:
                event = parse_line(raw.decode("utf-8", "replace"), year=now.year - 1, tz=self.tz)
            if event is not None:
                found.append(event)
        return found


def journal_events(lines: Iterable[bytes | str]) -> list[AuthEvent]:
    """The sshd attempts in journald JSON export lines (others, and lines that are not
    JSON objects, are skipped)."""
    found = []
    for line in lines:
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        event = parse_journal_entry(entry) if isinstance(entry, dict) else None
        if event is not None:
            found.append(event)
    return found
