"""Attachment bytes (``attachment`` and ``malware-sample`` attributes), kept as files.

As MISP keeps them (in ``app/files``): outside the database, one file per attribute
UUID under ``<data_dir>/attachments``. Files are written before the attribute's
transaction commits, so a failed write leaves at most an unreferenced file, never an
attribute whose data is half there.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path


class AttachmentStore:
    """Bytes by attribute UUID in a directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, attribute_uuid: str) -> Path:
        # Parsing the UUID keeps any path syntax out of the file name.
        return self.root / str(uuid.UUID(attribute_uuid))

    def put(self, attribute_uuid: str, data: bytes) -> None:
        """Store the bytes of a new attribute; ``FileExistsError`` if it has some already.

        Never replacing is what stops a request naming another attribute's UUID from
        overwriting that attribute's content.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.link(tmp, self._path(attribute_uuid))  # atomic, and fails if the name exists
        finally:
            os.unlink(tmp)

    def remove(self, attribute_uuid: str) -> None:
        """Forget one attribute's bytes (after its transaction failed)."""
        self._path(attribute_uuid).unlink(missing_ok=True)

    def get(self, attribute_uuid: str) -> bytes | None:
        """The bytes of one attribute, or None when it has none stored."""
        try:
            return self._path(attribute_uuid).read_bytes()
        except (FileNotFoundError, ValueError):
            return None
