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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from threatmesh.formats import malware_sample
from threatmesh.formats.fields import as_bool
from threatmesh.formats.misp_types import AttributeView, EventView
from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import Conflict, InvalidInput, NotFound
from threatmesh.model.validation.describe_types import ATTACHMENT_TYPES
from threatmesh.services.events.access import find_attribute
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.events.attachments import AttachmentStore

#: An event as a typed view or as plain MISP JSON (both are decorated in place).
E = TypeVar("E", EventView, dict[str, Any])

#: The media type of an ``attachment``'s download: its bytes as they are, whatever
#: they claim to be (MISP types them by the file name's extension; a browser then
#: renders an uploaded ``.html``).
OCTET_STREAM = "application/octet-stream"


class Files:
    """The attachment files one write stores, so that they can be undone."""

    def __init__(self, store: AttachmentStore | None) -> None:
        self.store = store
        self.written: list[str] = []

    def save(self, drafts: Iterable[AttributeDraft]) -> None:
        """Store the content the drafts carry (their rows are written already)."""
        for draft in drafts:
            if draft.data is not None:
                self._save(draft.uuid, draft.data, sample=draft.type == malware_sample.TYPE)

    def _save(self, attribute_uuid: str, data: bytes, *, sample: bool) -> None:
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
        if stored == data:  # the same bytes again: sent back as read (PyMISP's update_event)
            return
        # A raw sample sent again with ``encrypt`` zips to other bytes: the same sample.
        if stored is None or not (sample and malware_sample.same_sample(stored, data)):
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


def decorate(store: AttachmentStore, event: E) -> E:
    """Add ``data`` (base64) to the attachment attributes of an event view."""
    decorate_attributes(store, _attributes(event))
    return event


def _attributes(event: Mapping[str, Any]) -> list[AttributeView]:
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs.extend(obj.get("Attribute") or [])
    return cast("list[AttributeView]", attrs)


def _fields(attribute: Mapping[str, Any]) -> tuple[Any, Any]:
    return attribute.get("type"), attribute.get("value")


def released(
    store: AttachmentStore | None, before: Mapping[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """``after``, an event as the egress hook released it for another instance, with
    ``data`` on the attachment attributes it let through as they were (same UUID, type
    and value): files travel with events on sync, as MISP's push and pull move them,
    but not under a value the anonymizer rewrote (the file would undo its work)."""
    if store is None:
        return after
    sent = {a.get("uuid"): _fields(a) for a in _attributes(before)}
    kept = [a for a in _attributes(after) if sent.get(a.get("uuid")) == _fields(a)]
    decorate_attributes(store, kept)
    return after


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


def requested(params: Mapping[str, Any]) -> bool:
    """Whether a restSearch asks for attachment data (``withAttachments``, PyMISP's
    ``with_attachments``: 0/1, booleans or their strings)."""
    for name in ("withAttachments", "with_attachments"):
        if params.get(name) not in (None, ""):
            return as_bool(params[name], name)
    return False


@dataclass(frozen=True)
class Download:
    """What ``attributes/download/{id}`` serves: a file name, a media type, bytes."""

    filename: str
    media_type: str
    content: bytes


def download(platform: Platform, who: Identity, ref: str, store: AttachmentStore) -> Download:
    """``attributes/download/{id or uuid}``: a malware sample's stored zip
    (``<name>.zip``), an attachment's bytes (its value as the name). Anything else, or
    an attribute the caller may not see, is 404 in the same words (MISP:
    ``fetchAttributes`` with the user's conditions and both types)."""
    missing = NotFound(
        "Attribute does not exist or you do not have the permission to download this attribute."
    )
    with platform.read() as conn:
        try:
            row = find_attribute(platform, conn, who, ref)
        except NotFound:
            raise missing from None
    if row["type"] not in ATTACHMENT_TYPES:
        raise missing
    content = store.get(str(row["uuid"]))
    if content is None:  # MISP: getAttachmentFile throws NotFoundException
        raise NotFound(f"Attribute {ref} has no attachment data stored.")
    value = str(row["value1"]) + (f"|{row['value2']}" if row["value2"] else "")
    if row["type"] == malware_sample.TYPE:
        return Download(malware_sample.download_name(value), malware_sample.MEDIA_TYPE, content)
    return Download(value, OCTET_STREAM, content)
