"""Following a log file that grows, rotates and is truncated, line by line.

Each :meth:`LineFollower.read` returns the complete lines written since the previous one.
A new file under the same name (rotation), a shorter one or one whose first bytes changed
(truncation, even when the new text has already grown past the old position) is read from
its start. The position (:class:`Position`) can be saved and given back, so a reader that
restarts goes on where it stopped instead of reading the whole log again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LineFollower", "Position"]

#: How many first bytes of the file identify it (a truncated file's differ).
HEAD = 256


@dataclass(frozen=True, slots=True)
class Position:
    """Where a follower stands: which file (inode and first bytes) and how far in it."""

    inode: int = -1
    offset: int = 0
    head: bytes = b""


class LineFollower:
    """Complete lines of ``path`` as they are written (``start_at_end``: skip what the
    file already holds; ``position``: go on from a saved position)."""

    def __init__(
        self, path: Path, *, start_at_end: bool = False, position: Position | None = None
    ) -> None:
        self.path = path
        self._inode, self._offset, self._head = -1, 0, b""
        self._partial = b""
        if position is not None:
            self._inode, self._offset, self._head = position.inode, position.offset, position.head
        elif start_at_end and path.exists():
            st = path.stat()
            self._inode, self._offset = st.st_ino, st.st_size
            with path.open("rb") as f:
                self._head = f.read(HEAD)

    @property
    def position(self) -> Position:
        """The position after the last complete line returned."""
        return Position(self._inode, self._offset - len(self._partial), self._head)

    def read(self) -> list[bytes]:
        """The complete lines written since the last call (none if the file is missing);
        an unfinished last line waits for its end."""
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
        if self._offset < HEAD:
            self._head = (self._head[: self._offset] + data)[:HEAD]
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        return lines
