"""Attachment data on the MISP API: taken out of requests, put back into event views.

MISP clients send an attachment's content base64-encoded in the attribute's ``data``
field (PyMISP does for ``attachment`` and ``malware-sample``), and read it back the same
way from ``events/view``. The bytes live in an :class:`AttachmentStore`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from threatmesh.formats.fields import as_list
from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.storage.attachments import AttachmentStore

TYPES = frozenset({"attachment", "malware-sample"})
T = TypeVar("T")


def _items(value: Any) -> list[Any]:
    """The elements of a list field as the parser reads them (``formats.fields.as_list``);
    anything else is left for the parser to refuse with its own message."""
    try:
        return as_list(value, "")
    except InvalidInput:
        return []


def _attributes(payload: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    if not isinstance(payload, dict):
        return
    for key in ("Event", "Object"):
        if isinstance(payload.get(key), dict):
            yield from _attributes(payload[key], f"{path}{key}.")
    for i, attr in enumerate(_items(payload.get("Attribute"))):
        if isinstance(attr, dict):
            yield attr, f"{path}Attribute[{i}]"
    if isinstance(payload.get("Object"), list):
        for i, obj in enumerate(payload["Object"]):
            yield from _attributes(obj, f"{path}Object[{i}].")


def take_data(payload: Any) -> dict[str, bytes]:
    """Remove and decode every attachment's ``data``; give UUIDs to those without one."""
    blobs: dict[str, bytes] = {}
    for attr, where in _attributes(payload, ""):
        if attr.get("type") not in TYPES or not attr.get("data"):
            continue
        raw = attr.pop("data")
        try:
            data = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"{where}.data: not valid base64") from None
        attr.setdefault("uuid", str(uuid.uuid4()))
        blobs[str(attr["uuid"])] = data
    return blobs


def write_with(store: AttachmentStore, payload: Any, write: Callable[[Any], T]) -> T:
    """Store the payload's attachment data, then run ``write``; undo the files if it fails."""
    blobs = take_data(payload)
    written: list[str] = []
    try:
        for attribute_uuid, data in blobs.items():
            try:
                store.put(attribute_uuid, data)
            except FileExistsError:
                raise Conflict(f"Attribute {attribute_uuid} already has attachment data") from None
            written.append(attribute_uuid)
        return write(payload)
    except BaseException:
        for attribute_uuid in written:
            store.remove(attribute_uuid)
        raise


def decorate(store: AttachmentStore, event: dict[str, Any]) -> dict[str, Any]:
    """Add ``data`` (base64) to the attachment attributes of an event view."""
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs.extend(obj.get("Attribute") or [])
    for attr in attrs:
        if attr.get("type") in TYPES:
            data = store.get(str(attr.get("uuid", "")))
            if data is not None:
                attr["data"] = base64.b64encode(data).decode("ascii")
    return event
