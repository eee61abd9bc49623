"""Cowrie's JSON log followed into closed sessions, and the files its sessions fetched.

A line that is not a JSON object (a torn write, another program's text) is counted and
skipped, never fatal: a honeypot log is written by a process attackers talk to.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from threatmesh.honeypots.ingest.cowrie import (
    CowrieSession,
    SessionAssembler,
    session_from_dict,
    session_to_dict,
)
from threatmesh.sensors.files.follow import LineFollower, Position

__all__ = ["CowrieLog", "read_samples"]

#: The largest downloaded file read as a sample (Cowrie's own default download limit).
MAX_SAMPLE_BYTES = 25 * 1024 * 1024


@dataclass
class CowrieLog:
    """Each :meth:`read` returns the sessions closed in the lines written since the
    previous one; ``position`` (see :class:`LineFollower`) resumes a saved read."""

    path: Path
    position: Position | None = None
    skipped: int = 0
    _assembler: SessionAssembler = field(default_factory=SessionAssembler)
    _lines: LineFollower | None = None

    @classmethod
    def resume(cls, path: Path, state: Path) -> CowrieLog:
        """The reader of ``path`` that goes on where the one that saved ``state`` stopped
        (from the start when ``state`` does not exist yet)."""
        if not state.exists():
            return cls(path)
        saved = orjson.loads(state.read_bytes())
        head = base64.b64decode(saved["position"]["head"])
        position = Position(saved["position"]["inode"], saved["position"]["offset"], head)
        pending = [session_from_dict(s) for s in saved.get("pending", [])]
        return cls(path, position, _assembler=SessionAssembler(pending))

    def save(self, state: Path) -> None:
        """Write where this reader stands and the sessions still open to ``state``
        (atomically: a crash leaves the previous state)."""
        at = self.position or Position()
        data = {
            "position": {
                "inode": at.inode,
                "offset": at.offset,
                "head": base64.b64encode(at.head).decode(),
            },
            "pending": [session_to_dict(s) for s in self.pending],
        }
        tmp = state.with_name(state.name + ".tmp")
        tmp.write_bytes(orjson.dumps(data))
        tmp.replace(state)

    def read(self) -> list[CowrieSession]:
        """The sessions that closed since the last call."""
        if self._lines is None:
            self._lines = LineFollower(self.path, position=self.position)
        closed = []
        for line in self._lines.read():
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                self.skipped += 1
                continue
            if not isinstance(record, dict):
                self.skipped += 1
                continue
            session = self._assembler.feed(record)
            if session is not None:
                closed.append(session)
        self.position = self._lines.position
        return closed

    @property
    def pending(self) -> list[CowrieSession]:
        """Sessions seen but not closed yet."""
        return self._assembler.pending


def read_samples(sessions: list[CowrieSession], download_dir: Path | None) -> dict[str, bytes]:
    """The downloaded files of ``sessions`` that are in ``download_dir`` (Cowrie names them
    by SHA-256; the log's ``outfile`` is tried when no folder is given), by SHA-256."""
    found: dict[str, bytes] = {}
    for session in sessions:
        for download in session.downloads:
            path = download_dir / download.shasum if download_dir else Path(download.outfile)
            try:
                if path.is_file() and path.stat().st_size <= MAX_SAMPLE_BYTES:
                    found[download.shasum] = path.read_bytes()
            except OSError:
                continue
    return found
