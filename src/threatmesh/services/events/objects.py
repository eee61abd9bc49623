"""Object use cases: add an object with its attributes, delete one."""

from __future__ import annotations

from typing import Any

from threatmesh.formats.misp_json import object_uuid_claims, parse_object, unwrap
from threatmesh.formats.misp_types import ObjectView
from threatmesh.model import access
from threatmesh.model.errors import Forbidden, NotFound
from threatmesh.services.events import attachments, collisions
from threatmesh.services.events.access import check_sharing_groups, facts, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.events import objects as stored
from threatmesh.storage.events import writes
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.events import touch_event


def add_object(
    platform: Platform,
    who: Identity,
    event_ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> ObjectView:
    """``objects/add/{event}``: the object and its attributes (attachment data into
    ``store``), in one transaction."""
    now = platform.now()
    draft = parse_object(unwrap(payload, "Object"), "Object", now=now)
    claims = object_uuid_claims(draft, "Object")
    with (
        collisions.reported(platform, claims),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        ev = get_visible(platform, conn, who, event_ref)
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to add objects to this event.")
        check_sharing_groups(conn, who, [draft])
        tag_ids = writes.ensure_tags(conn, [t for a in draft.attributes for t in a.tags])
        (oid,) = writes.insert_objects(conn, ev["id"], [draft], tag_ids=tag_ids)
        files.save(draft.attributes)
        touch_event(conn, ev["id"], now)
        provenance.record_event_version(platform, conn, ev["id"], "content", who)
        notify.object_changed(conn, oid, "add")
        return stored.object_view(conn, oid)


def delete_object(
    platform: Platform,
    who: Identity,
    ref: str,
    *,
    hard: bool,
    store: AttachmentStore | None = None,
) -> None:
    """``objects/delete``: the object and its attributes (soft unless ``hard``; a hard
    delete removes their attachment files too)."""
    now = platform.now()
    gone: list[str] = []
    with platform.write() as conn:
        upp = platform.unpublished_private
        row = stored.find_visible(conn, who.viewer, ref, unpublished_private=upp)
        if row is None:
            raise NotFound("Invalid object.")
        oid, event_id = row["id"], row["event_id"]
        ev = get_visible(platform, conn, who, str(event_id))
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to delete this object.")
        notify.object_changed(conn, oid, "delete")  # before a hard delete
        if hard:
            gone = stored.delete_object(conn, oid)
        else:
            stored.soft_delete_object(conn, oid, now)
        touch_event(conn, event_id, now)
        provenance.record_event_version(platform, conn, event_id, "content", who)
    attachments.forget(store, gone)
