"""Tag use cases: list and create tags, attach them to and detach them from events
and attributes."""

from __future__ import annotations

from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_colour, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.formats.misp_types import TagView
from threatmesh.model import access
from threatmesh.model.drafts import TagRef
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.admin import tags as tag_admin
from threatmesh.services.events.access import facts, find_attribute, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import tags as tag_rows
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events import tags as stored
from threatmesh.storage.events.events import set_timestamp


def attach_tag(
    platform: Platform, who: Identity, target: str, tag: str, *, local: bool, attach: bool
) -> str:
    """``tags/attachTagToObject`` / ``removeTagFromObject`` on an event or attribute UUID
    (or id). Returns "event" or "attribute"."""
    if not who.viewer.can("perm_tagger"):
        raise Forbidden(ACL_REFUSAL)
    name = tag.strip()
    if not name:
        raise InvalidInput("tag: a tag name is required")
    with platform.write() as conn:
        kind, event_row, attr_id = _tag_target(platform, conn, who, target)
        if not access.can_tag_event(who.viewer, facts(event_row)):
            raise Forbidden("You do not have permission to tag this event.")
        ref = TagRef(name, local)
        tag_id = _tag_id(conn, ref, create=attach)
        if attach:
            tag_admin.may_attach(who, stored.tag_by_id(conn, tag_id))
        event_id = event_row["id"]
        if kind == "event" and attach:
            writes.set_event_tags(conn, event_id, [ref], {name: tag_id})
        elif kind == "event":
            stored.detach_from_event(conn, event_id, tag_id)
        elif attach:
            stored.attach_to_attribute(conn, attr_id, event_id, tag_id, local=local)
        else:
            stored.detach_from_attribute(conn, attr_id, tag_id)
        set_timestamp(conn, event_id, platform.now())
        provenance.record_event_version(platform, conn, event_id, "content", who)
        notify.tag_changed(
            conn,
            tag_id,
            event_id=event_id,
            attribute_id=attr_id,
            local=local,
            action="attach" if attach else "detach",
        )
        return kind


def _tag_id(conn: Connection, ref: TagRef, *, create: bool) -> int:
    """The id of tag ``ref`` (by name, or by id for removal); created if ``create``."""
    if create:
        return writes.ensure_tags(conn, [ref])[ref.name]
    found = stored.tag_id(conn, ref.name)
    if found is None:
        raise NotFound(f"Tag {ref.name!r} not found.")
    return found


def _tag_target(
    platform: Platform, conn: Connection, who: Identity, target: str
) -> tuple[str, Row, int]:
    """MISP's ``TagsController::__findObjectByUuid``: the visible event with that UUID,
    else the visible attribute, else "Invalid Target." (the same for a UUID that is
    unknown and one the user may not see)."""
    ref = target.strip().lower()
    if len(ref) == 36:
        upp = platform.unpublished_private
        row = reads.find_event_row(conn, who.viewer, ref, unpublished_private=upp)
        if row is not None:
            return "event", row, 0
    try:
        attr = find_attribute(platform, conn, who, ref)
    except NotFound:
        raise NotFound("Invalid Target.") from None
    return "attribute", get_visible(platform, conn, who, str(attr["event_id"])), int(attr["id"])


def list_tags(platform: Platform, who: Identity, search: str | None = None) -> list[TagView]:
    """``tags/index``: every tag (optionally names matching ``search``, ``%`` wildcards)."""
    with platform.read() as conn:
        rows = stored.tags_named(conn, search)
    return [misp_out.tag({**r, "tag_id": r["id"], "local": False}) for r in rows]


def add_tag(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``tags/add``: create a tag (needs the tag editor permission)."""
    if not who.viewer.can("perm_tag_editor"):
        raise Forbidden(ACL_REFUSAL)
    data = unwrap(payload, "Tag")
    name = as_str(data.get("name"), "Tag.name", max_len=255).strip()
    if not name:
        raise InvalidInput("Tag.name: a tag needs a name")
    colour = as_colour(data.get("colour"), "Tag.colour") or "#0088cc"
    with platform.write() as conn:
        if stored.tag_by_name(conn, name) is not None:
            raise Conflict(f"Tag {name!r} already exists.")
        tag_ids = writes.ensure_tags(conn, [TagRef(name, False, colour)])
        restrictions = tag_admin.flags(conn, data)  # exportable, hide_tag, org_id, user_id...
        if restrictions:
            tag_rows.update_tag(conn, tag_ids[name], restrictions)
        return tag_admin.summary(stored.tag_by_id(conn, tag_ids[name]))
