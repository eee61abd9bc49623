"""Where attachment data lives for this app: ``<data_dir>/attachments``."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from threatmesh.storage.events.attachments import AttachmentStore


def store_of(request: Request) -> AttachmentStore:
    """The attachment store of the app serving ``request``."""
    return AttachmentStore(Path(request.app.state.settings.data_dir) / "attachments")
