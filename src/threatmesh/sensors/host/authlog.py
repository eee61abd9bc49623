"""sshd's authentication attempts from a syslog file (``/var/log/auth.log``, followed
across rotation and truncation) or from journald's JSON export
(``journalctl -o json -u ssh``, piped in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from threatmesh.honeypots.hids.sshd import AuthEvent, parse_journal_entry, parse_line

__all__ = ["AuthLog", "journal_events"]

#: How many first bytes of the file identify it (a truncated file's differ).
_HEAD = 256


class AuthLog:
    """Follows a syslog file (or, with ``journal``, a file of journald JSON export lines,
    as ``journalctl -o json -f -u ssh`` writes): each :meth:`read` returns the attempts
    in the complete lines
    written since the previous one. A new file under the same name (rotation), a shorter
    one or one whose first bytes changed (truncation, even when the new text has already
    grown past the old position) is read from its start. ``start_at_end``: skip what the file
    already holds (watching), or read it all (learning from history)."""

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
        self._inode, self._offset, self._partial, self._head = -1, 0, b"", b""
        if start_at_end and path.exists():
            st = path.stat()
            self._inode, self._offset = st.st_ino, st.st_size
            with path.open("rb") as f:
                self._head = f.read(_HEAD)

    def read(self) -> list[AuthEvent]:
        """The attempts logged since the last call (none if the file is missing)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        with self.path.open("rb") as f:
            head = f.read(len(self._head))
            if st.st_ino != self._inode or st.st_size < self._offset or head != self._head:
                self._inode, self._offset, self._partial = st.st_ino, 0, b""
            f.seek(self._offset)
            data = f.read()
        if self._offset < _HEAD:
            self._head = (self._head[: self._offset] + data)[:_HEAD]
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()  # an unfinished last line waits for its end
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
