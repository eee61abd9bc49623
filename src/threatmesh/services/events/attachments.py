"""Attachment data on the MISP API: stored with the write, put back into event views.

MISP clients send an attachment's content base64-encoded in the attribute's ``data``
field (PyMISP does for ``attachment`` and ``malware-sample``), and read it back the same
way from ``events/view``. The parser decodes it into the attribute's draft, with the
rest of the payload, so a refused request writes nothing, file or row. The use case
then stores the bytes inside its write transaction, after the rows (whose unique UUIDs
make the attribute ours), and :func:`saving` removes them again if the transaction
fails. Stored bytes are never replaced: an edit may send the same content again (PyMISP
sends back what ``events/view`` gave it), not different content.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from threatmesh.formats.misp_types import AttributeView, EventView
from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.model.validation.describe_types import ATTACHMENT_TYPES
from threatmesh.storage.events.attachments import AttachmentStore


class Files:
    """The attachment files one write stores, so that they can be undone."""

    def __init__(self, store: AttachmentStore | None) -> None:
        self.store = store
        self.written: list[str] = []

    def save(self, drafts: Iterable[AttributeDraft]) -> None:
        """Store the content the drafts carry (their rows are written already)."""
        for draft in drafts:
            if draft.data is not None:
                self._save(draft.uuid, draft.data)

    def _save(self, attribute_uuid: str, data: bytes) -> None:
        if self.store is None:
            raise InvalidInput("Attachment data cannot be stored by this call.")
        stored = self.store.get(attribute_uuid)
        if stored is None:
            try:
                self.store.put(attribute_uuid, data)
            except FileExistsError:  # a concurrent write stored some first
                stored = self.store.get(attribute_uuid)
            else:
                self.written.append(attribute_uuid)
                return
        if stored != data:  # the same bytes again: sent back as read (PyMISP's update_event)
            raise Conflict(
                f"Attribute {attribute_uuid} already has other attachment data; stored "
                "attachments are not replaced (add a new attribute for new content)."
            )

    def undo(self) -> None:
        """Remove what :meth:`save` stored (its transaction failed)."""
        if self.store is not None:
            for attribute_uuid in self.written:
                self.store.remove(attribute_uuid)
        self.written.clear()


@contextmanager
def saving(store: AttachmentStore | None) -> Iterator[Files]:
    """Collect the files a write stores; remove them if the block fails, commit
    included: enter it before the transaction (``with saving(s) as f, platform.write()``)."""
    files = Files(store)
    try:
        yield files
    except BaseException:
        files.undo()
        raise


def decorate(store: AttachmentStore, event: EventView) -> EventView:
    """Add ``data`` (base64) to the attachment attributes of an event view."""
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs.extend(obj.get("Attribute") or [])
    decorate_attributes(store, attrs)
    return event


def decorate_attributes(store: AttachmentStore, attrs: Iterable[AttributeView]) -> None:
    """Add ``data`` (base64) to the attachment attributes among ``attrs``, in place."""
    for attr in attrs:
        if attr.get("type") in ATTACHMENT_TYPES:
            data = store.get(str(attr.get("uuid", "")))
            if data is not None:
                attr["data"] = base64.b64encode(data).decode("ascii")


def forget(store: AttachmentStore | None, attribute_uuids: Iterable[str]) -> None:
    """Remove the files of attributes deleted for good (after the commit; the storage
    functions that delete attributes answer their attachment UUIDs), as MISP's
    ``MispAttribute::beforeDelete`` removes them from disk."""
    if store is not None:
        for attribute_uuid in attribute_uuids:
            store.remove(attribute_uuid)
