"""Where attachment data lives for this app: ``<data_dir>/attachments``."""

from __future__ import annotations

from fastapi import Request

from threatmesh.services.runtime import AttachmentStore


def store_of(request: Request) -> AttachmentStore:
    """The attachment store of the app serving ``request`` (built by ``create_app``)."""
    store: AttachmentStore = request.app.state.attachments
    return store
