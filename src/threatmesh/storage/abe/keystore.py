"""Where the key authority keeps its master keys: one file per epoch, mode 0600.

The master keys are kept out of the platform's database on purpose: the authority is a
separate role, and its directory can live on another host or volume than the database.
``MemoryKeyStore`` serves tests and embedded use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol


class MasterKeyStore(Protocol):
    """Stores the serialised master key of each epoch; never overwrites one."""

    def get(self, epoch: int) -> str | None:
        """The master key of ``epoch``, or None."""

    def put(self, epoch: int, text: str) -> bool:
        """Store ``text`` for ``epoch``; False if that epoch already had a key."""


class MemoryKeyStore:
    """Master keys in a dict (tests, single-process embedding)."""

    def __init__(self) -> None:
        self._keys: dict[int, str] = {}

    def get(self, epoch: int) -> str | None:
        """The master key of ``epoch``, or None."""
        return self._keys.get(epoch)

    def put(self, epoch: int, text: str) -> bool:
        """Store ``text`` for ``epoch`` unless it exists."""
        if epoch in self._keys:
            return False
        self._keys[epoch] = text
        return True


class FileKeyStore:
    """Master keys as ``epoch-<n>.json`` files, created exclusively with mode 0600."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, epoch: int) -> Path:
        return self.directory / f"epoch-{epoch}.json"

    def get(self, epoch: int) -> str | None:
        """The master key of ``epoch``, or None."""
        try:
            return self._path(epoch).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def put(self, epoch: int, text: str) -> bool:
        """Write the key once; a concurrent writer of the same epoch loses (False)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(self._path(epoch), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        return True
