"""Object use cases: add an object with its attributes, view, edit, delete one."""

from __future__ import annotations

from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.misp_json import object_uuid_claims, parse_object, unwrap
from threatmesh.formats.misp_types import ObjectView
from threatmesh.model import access
from threatmesh.model.drafts import ObjectDraft
from threatmesh.model.errors import Forbidden, NotFound
from threatmesh.services.events import attachments, collisions
from threatmesh.services.events.access import check_sharing_groups, facts, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import object_edits, writes
from threatmesh.storage.events import objects as stored
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


def _find(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """The object ``ref`` (id or UUID) if visible, else :class:`NotFound` (a malformed
    reference included: MISP answers "Invalid object." for both)."""
    row = None
    if (ref.isascii() and ref.isdigit()) or len(ref) == 36:
        upp = platform.unpublished_private
        row = stored.find_visible(conn, who.viewer, ref, unpublished_private=upp)
    if row is None:
        raise NotFound("Invalid object.")
    return row


def view_object(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``objects/view``: the object with the attributes the user may see and its
    ``Event`` (``id``, ``info``, ``org_id``, ``orgc_id``, ``uuid``)."""
    with platform.read() as conn:
        row = _find(platform, conn, who, ref)
        return stored.visible_view(conn, who.viewer, row["id"])


def object_exists(platform: Platform, who: Identity, ref: str) -> bool:
    """``HEAD objects/view``."""
    try:
        with platform.read() as conn:
            _find(platform, conn, who, ref)
    except NotFound:
        return False
    return True


def _edit_draft(conn: Connection, oid: int, data: dict[str, Any], now: int) -> ObjectDraft:
    """The request as a whole object: the stored name when it sends none, the stored
    live attributes when it sends none (its template is then checked on those)."""
    old = object_edits.object_row(conn, oid)
    merged = {"name": old["name"], **data}
    if not data.get("Attribute"):
        live = [a for a in object_edits.object_attributes(conn, oid) if not a["deleted"]]
        merged["Attribute"] = [misp_out.attribute(a) for a in live]
    return parse_object(merged, "Object", now=now)


def _object_values(data: dict[str, Any], draft: ObjectDraft, now: int) -> dict[str, Any]:
    """The object columns the request changes, as ``MispObject::deltaMerge`` picks
    them: ``comment``, ``template_version``, ``distribution`` (with its sharing group),
    ``first_seen``, ``last_seen`` when sent; the timestamp always."""
    values: dict[str, Any] = {"timestamp": now}
    for key in ("comment", "template_version", "first_seen", "last_seen"):
        if key in data:
            values[key] = getattr(draft, key)
    if "distribution" in data:
        values["distribution"] = draft.distribution
        values["sharing_group_id"] = draft.sharing_group_id
    return values


def edit_object(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> dict[str, Any]:
    """``objects/edit``: the object's fields the request sends; its attributes matched
    by UUID (changed ones updated, new ones added, left-out ones soft-deleted, as
    MISP's ``deltaMerge``); ``deleted: true`` soft-deletes the object. Unknown
    templates are accepted, as on add."""
    data = dict(unwrap(payload, "Object"))
    now = platform.now()
    with platform.read() as conn:
        oid = _find(platform, conn, who, ref)["id"]
        draft = _edit_draft(conn, oid, data, now)
    claims = object_uuid_claims(draft, "Object")[1 : len(draft.attributes) + 1]
    with (
        collisions.reported(platform, claims),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        row = _find(platform, conn, who, ref)
        ev = get_visible(platform, conn, who, str(row["event_id"]))
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("Insufficient permissions to edit this object.")
        check_sharing_groups(conn, who, [draft])
        obj = object_edits.object_row(conn, oid)
        object_edits.update_object(conn, oid, _object_values(data, draft, now))
        if data.get("Attribute"):
            tag_ids = writes.ensure_tags(conn, [t for a in draft.attributes for t in a.tags])
            object_edits.merge_attributes(conn, obj, draft.attributes, tag_ids=tag_ids, now=now)
            files.save(draft.attributes)
        if draft.deleted:
            stored.soft_delete_object(conn, oid, now)
        touch_event(conn, ev["id"], now)
        provenance.record_event_version(platform, conn, ev["id"], "content", who)
        notify.object_changed(conn, oid, "edit")
    with platform.read() as conn:
        return stored.visible_view(conn, who.viewer, oid)
