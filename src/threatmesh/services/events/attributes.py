"""Attribute use cases: add, view, edit, delete (``attributes/restSearch`` is in
:mod:`threatmesh.services.search.attributes`)."""

from __future__ import annotations

from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_list
from threatmesh.formats.misp_json import parse_attribute
from threatmesh.formats.misp_types import AttributeView
from threatmesh.model import access
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.services.events import attachments, collisions
from threatmesh.services.events.access import (
    check_sharing_groups,
    facts,
    find_attribute,
    get_visible,
)
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import attributes as stored
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.events import touch_event


def view_attribute(platform: Platform, who: Identity, ref: str) -> AttributeView:
    """``attributes/view``."""
    with platform.read() as conn:
        row = find_attribute(platform, conn, who, ref)
        out = misp_out.attribute(row)
        out["Tag"] = reads.tags_of_attributes(conn, [row["id"]]).get(row["id"], [])
        return out


def add_attributes(
    platform: Platform,
    who: Identity,
    event_ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> list[AttributeView]:
    """``attributes/add/{event}``: one attribute or a list, all or nothing (attachment
    data into ``store``)."""
    items = as_list(
        payload.get("Attribute", payload) if isinstance(payload, dict) else payload, "Attribute"
    )
    if not items:
        raise InvalidInput("Attribute: nothing to add")
    now = platform.now()
    paths = [f"Attribute[{i}]" if len(items) > 1 else "Attribute" for i in range(len(items))]
    drafts = [parse_attribute(a, at, now=now) for a, at in zip(items, paths, strict=True)]
    claims = [("attribute", d.uuid, at) for d, at in zip(drafts, paths, strict=True)]
    with (
        collisions.reported(platform, claims),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        ev = get_visible(platform, conn, who, event_ref)
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to add attributes to this event.")
        check_sharing_groups(conn, who, drafts)
        tag_ids = writes.ensure_tags(conn, [t for d in drafts for t in d.tags])
        ids = writes.insert_attributes(conn, ev["id"], drafts, tag_ids=tag_ids)
        files.save(drafts)
        touch_event(conn, ev["id"], now)
        provenance.record_event_version(platform, conn, ev["id"], "content", who)
        notify.attributes_changed(conn, ids, "add")
        return [misp_out.attribute(r) for r in stored.attributes_by_id(conn, ids)]


def _modifiable(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    row = find_attribute(platform, conn, who, ref)
    ev = get_visible(platform, conn, who, str(row["event_id"]))
    if not access.can_modify_event(who.viewer, facts(ev)):
        raise Forbidden("You do not have permission to modify this attribute.")
    return row


def edit_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> AttributeView:
    """``attributes/edit``: fields not sent keep their value; attachment data sent is
    stored if the attribute has none yet (stored content is never replaced)."""
    data = payload.get("Attribute", payload) if isinstance(payload, dict) else payload
    if not isinstance(data, dict):
        raise InvalidInput("Attribute: expected a JSON object")
    now = platform.now()
    with attachments.saving(store) as files, platform.write() as conn:
        old = _modifiable(platform, conn, who, ref)
        merged = misp_out.attribute(old) | {
            k: v for k, v in data.items() if k not in ("id", "event_id", "uuid")
        }
        merged["timestamp"] = now
        draft = parse_attribute(merged, "Attribute", now=now)
        draft.uuid = old["uuid"]
        check_sharing_groups(conn, who, [draft])
        row = writes.attribute_row(old["event_id"], draft, old["object_id"])
        for fixed in ("uuid", "event_id", "object_id"):
            del row[fixed]
        stored.update_attribute(conn, old["id"], row, draft)
        files.save([draft])
        touch_event(conn, old["event_id"], now)
        provenance.record_event_version(platform, conn, old["event_id"], "content", who)
        notify.attributes_changed(conn, [old["id"]], "edit")
    return view_attribute(platform, who, str(old["id"]))


def delete_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    *,
    hard: bool,
    store: AttachmentStore | None = None,
) -> None:
    """``attributes/delete``: soft (``deleted``) by default, hard on request (its
    attachment file goes too)."""
    now = platform.now()
    gone: list[str] = []
    with platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        notify.attributes_changed(conn, [row["id"]], "delete")  # before a hard delete
        if hard:
            gone = stored.delete_attribute(conn, row["id"])
        else:
            stored.soft_delete_attribute(conn, row["id"], now)
        touch_event(conn, row["event_id"], now)
        provenance.record_event_version(platform, conn, row["event_id"], "content", who)
    attachments.forget(store, gone)
