"""Tag use cases: list and create tags, attach them to and detach them from events
and attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_bool, as_colour, as_str
from threatmesh.formats.misp_json import parse_tags, unwrap
from threatmesh.formats.misp_types import TagView
from threatmesh.model import access
from threatmesh.model.drafts import EventDraft, TagRef
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


class TagRefused(Forbidden):
    """A tag the user may not attach (restricted to another organisation or user):
    MISP answers it with its ``saveFailResponse`` body, reasons under ``errors``."""


@dataclass(frozen=True)
class TagChange:
    """What ``attach_tag`` did: MISP's ``TagsController`` words it in its ``message``."""

    kind: str  # "Event" or "Attribute"
    target_id: int
    tag_id: int
    tag_name: str
    local: bool
    attach: bool

    @property
    def message(self) -> str:
        """MISP's message, e.g. "Global tag x(3) successfully attached to Event(7).\""""
        scope = "Local" if self.local else "Global"
        if self.attach:
            return (
                f"{scope} tag {self.tag_name}({self.tag_id}) successfully attached to "
                f"{self.kind}({self.target_id})."
            )
        return (
            f"{scope} tag {self.tag_name} ({self.tag_id}) successfully removed from "
            f"{self.kind}({self.target_id})."
        )


def attach_tag(
    platform: Platform, who: Identity, target: str, tag: str, *, local: bool, attach: bool
) -> TagChange:
    """``tags/attachTagToObject`` / ``removeTagFromObject`` on an event or attribute UUID
    (or id)."""
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
        tag_row = stored.tag_by_id(conn, tag_id)
        event_id = event_row["id"]
        if attach:
            try:
                tag_admin.may_attach(who, tag_row)
            except Forbidden as refused:
                raise TagRefused(refused.message) from None
            _attach(conn, kind, event_id, attr_id, ref, tag_id)
        else:
            local = _detach(conn, kind, event_id, attr_id, tag_id)
        if not local:  # MISP touches the target for global tags only
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
        target_id = int(attr_id if kind == "attribute" else event_id)
        return TagChange(kind.capitalize(), target_id, tag_id, str(tag_row["name"]), local, attach)


def _attach(
    conn: Connection, kind: str, event_id: int, attr_id: int, ref: TagRef, tag_id: int
) -> None:
    if kind == "event":
        writes.set_event_tags(conn, event_id, [ref], {ref.name: tag_id})
    else:
        stored.attach_to_attribute(conn, attr_id, event_id, tag_id, local=ref.local)


def _detach(conn: Connection, kind: str, event_id: int, attr_id: int, tag_id: int) -> bool:
    """Detach the tag: whether the link was local; MISP's 404 when it was not attached."""
    if kind == "event":
        was = stored.detach_from_event(conn, event_id, tag_id)
    else:
        was = stored.detach_from_attribute(conn, attr_id, tag_id)
    if was is None:
        raise NotFound(f"Could not remove tag as it is not attached to the target {kind.title()}")
    return was


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


def capture_attribute_tags(
    conn: Connection, who: Identity, attribute_id: int, event_id: int, raw: Any
) -> None:
    """MISP's ``AttributeTag::handleAttributeTags`` on ``attributes/edit``: each
    ``Tag`` sent is attached, or detached when it is marked ``deleted``; a tag the
    user may not use (restricted to another organisation or user, or new and the user
    no tag editor) is silently left out, as ``Tag::captureTag`` does."""
    if not who.viewer.can("perm_tagger") or not isinstance(raw, list):
        return
    for i, item in enumerate(raw):
        deleted = isinstance(item, dict) and as_bool(item.get("deleted", False), f"Tag[{i}]")
        (ref,) = parse_tags([item], f"Attribute.Tag[{i}]")
        row = stored.tag_by_name(conn, ref.name)
        if deleted:
            if row is not None:
                stored.detach_from_attribute(conn, attribute_id, int(row["id"]))
            continue
        if row is None and not who.viewer.can("perm_tag_editor"):
            continue
        tag_id = writes.ensure_tags(conn, [ref])[ref.name]
        try:
            tag_admin.may_attach(who, stored.tag_by_id(conn, tag_id))
        except Forbidden:
            continue
        stored.attach_to_attribute(conn, attribute_id, event_id, tag_id, local=ref.local)


def drop_restricted(conn: Connection, who: Identity, draft: EventDraft) -> None:
    """Leave out of a new event the tags its author may not use (restricted to another
    organisation or user): MISP's ``Tag::captureTag`` silently drops them."""
    if who.viewer.site_admin:
        return
    names = sorted({t.name for t in writes.all_tags(draft)})
    refused = set()
    for row in stored.restricted_tags(conn, names):
        try:
            tag_admin.may_attach(who, row)
        except Forbidden:
            refused.add(row["name"])
    if not refused:
        return
    draft.tags = [t for t in draft.tags if t.name not in refused]
    for attribute in draft.all_attributes():
        attribute.tags = [t for t in attribute.tags if t.name not in refused]
