"""``shadowAttributes/*`` (MISP's ``ShadowAttributesController``): attribute proposals.

A user who sees an event (usually of another organisation) proposes a new attribute
(``add``), a change to an attribute (``edit``: the fields sent, over the attribute's)
or its deletion (``delete``, a proposal with ``proposal_to_delete``). A proposal
changes nothing in the event until a user who may modify the event accepts it
(``accept``: in one transaction the attribute is added, changed or soft-deleted, as
``attributes/add``, ``edit`` and ``delete`` would, and the proposal goes); ``discard``
drops it (the event's modifiers and the proposer may). Writes need ``perm_add``, as
in MISP's ACL.

Who sees a proposal: site admins, the event's organisations and the proposer's
(:func:`threatmesh.model.access.proposal_visible`); for everyone else, as for a hidden
event, it does not exist. Event views carry the proposals the viewer sees as MISP
does: new attributes in the event's ``ShadowAttribute``, the others in their
attribute's (:func:`decorate_event`). Proposals do not travel through sync here.
Attachments and protected values cannot be proposed (their content is not a field).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.misp_json import parse_attribute
from threatmesh.formats.misp_types import EventView, as_json
from threatmesh.model import access
from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound, UuidTaken
from threatmesh.services.collab.common import require
from threatmesh.services.events import attributes as attribute_svc
from threatmesh.services.events.access import facts, find_attribute, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.collab import proposals as stored
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import attributes as stored_attributes
from threatmesh.storage.events import uuids, writes
from threatmesh.storage.events.events import touch_event

MODEL = "ShadowAttribute"
_MISSING = "Invalid proposal."
_NOT_ACCEPTED = "Proposal not found or you are not authorised to accept it."
#: The fields a proposed change may set (MISP's ``ShadowAttributesController::edit``).
_CHANGEABLE = ("category", "type", "value", "to_ids", "comment", "first_seen", "last_seen")
_FILES = frozenset({"attachment", "malware-sample"})


def public(row: Row, *, email: bool = False) -> dict[str, Any]:
    """A proposal as MISP shows it (the union of the fields its views carry; with
    ``email``, the proposer's address, which MISP shows only to the proposer)."""
    out: dict[str, Any] = {
        "id": str(row["id"]),
        "old_id": str(row["old_id"] or 0),
        "event_id": str(row["event_id"]),
        "type": row["type"],
        "category": row["category"],
        "value": f"{row['value1']}|{row['value2']}" if row["value2"] else row["value1"],
        "to_ids": bool(row["to_ids"]),
        "uuid": row["uuid"],
        "comment": row["comment"],
        "org_id": str(row["org_id"]),
        "event_org_id": str(row["event_org_id"]),
        "event_uuid": row["event_uuid"],
        "deleted": False,
        "proposal_to_delete": bool(row["proposal_to_delete"]),
        "disable_correlation": bool(row["disable_correlation"]),
        "timestamp": str(row["timestamp"]),
        "first_seen": misp_out.seen(row["first_seen"]),
        "last_seen": misp_out.seen(row["last_seen"]),
        "org_uuid": row["org_uuid"],
        "Org": misp_out.org(row, "org_"),
    }
    if row["old_uuid"] is not None:
        out["old_uuid"] = row["old_uuid"]
    if email:
        out["email"] = row["email"]
    return out


def _data(body: Any) -> dict[str, Any]:
    """The proposal in a request body: bare, or in ``ShadowAttribute``, ``Attribute`` or
    ``Proposal`` (MISP takes all three), possibly under ``request``."""
    if isinstance(body, dict) and isinstance(body.get("request"), dict):
        body = body["request"]
    if not isinstance(body, dict):
        raise InvalidInput(f"{MODEL}: expected a JSON object")
    for key in (MODEL, "Attribute", "Proposal"):
        if isinstance(body.get(key), dict):
            return dict(body[key])
    return dict(body)


def _proposable(draft: AttributeDraft) -> None:
    if draft.type in _FILES or draft.data is not None or draft.envelope is not None:
        raise InvalidInput(f"{MODEL}: attachments and protected values cannot be proposed")


def _values(who: Identity, draft: AttributeDraft, now: int) -> dict[str, Any]:
    return {
        "uuid": draft.uuid,
        "type": draft.type,
        "category": draft.category,
        "value1": draft.value1,
        "value2": draft.value2,
        "to_ids": draft.to_ids,
        "comment": draft.comment,
        "disable_correlation": draft.disable_correlation,
        "first_seen": draft.first_seen,
        "last_seen": draft.last_seen,
        "org_id": who.viewer.org_id,
        "user_id": who.viewer.user_id,
        "email": who.user["email"],
        "timestamp": now,
    }


def _stored(conn: Connection, proposal_id: int) -> Row:
    row = stored.find(conn, proposal_id)
    assert row is not None  # just written, in this transaction
    return row


def add(platform: Platform, who: Identity, event_ref: str, body: Any) -> dict[str, Any]:
    """``shadowAttributes/add/{event}``: propose a new attribute for an event the user
    sees (its category defaults from its type, as for an attribute)."""
    require(who, "perm_add")
    now = platform.now()
    data = {k: v for k, v in _data(body).items() if k not in ("object_relation", "Tag")}
    draft = parse_attribute(data, MODEL, now=now)
    _proposable(draft)
    with platform.write() as conn:
        event = get_visible(platform, conn, who, event_ref)
        # Accepting it would add an attribute with this UUID: refuse one in use now.
        if uuids.taken(conn, [("attribute", draft.uuid)]):
            raise UuidTaken("attribute", draft.uuid, MODEL)
        values = _values(who, draft, now) | {"event_id": event["id"], "old_id": None}
        return {MODEL: public(_stored(conn, stored.insert(conn, values)), email=True)}


def _live_attribute(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    row = find_attribute(platform, conn, who, ref)
    if row["deleted"]:
        raise NotFound("Invalid attribute.")
    return row


def _about(who: Identity, old: Row, draft: AttributeDraft, now: int) -> dict[str, Any]:
    """The row of a proposal about attribute ``old``: its UUID and event."""
    base = _values(who, draft, now) | {"uuid": old["uuid"]}
    return base | {"event_id": old["event_id"], "old_id": old["id"]}


def propose_edit(platform: Platform, who: Identity, ref: str, body: Any) -> dict[str, Any]:
    """``shadowAttributes/edit/{attribute}``: propose new values for some of the
    attribute's fields (category, type, value, to_ids, comment, first_seen,
    last_seen); the others keep the attribute's. An object's attribute keeps its type,
    an attachment its type, category and value."""
    require(who, "perm_add")
    data = _data(body)
    now = platform.now()
    with platform.write() as conn:
        old = _live_attribute(platform, conn, who, ref)
        fixed = {"type", "category", "value"} if old["type"] in _FILES else set()
        if old["object_id"]:
            fixed.add("type")
        changes = {k: data[k] for k in _CHANGEABLE if k in data and k not in fixed}
        if not changes:
            raise InvalidInput("Invalid input.")
        if old["envelope"]:
            raise InvalidInput(f"{MODEL}: protected values cannot be proposed")
        current = misp_out.attribute(old)
        draft = parse_attribute(current | changes, MODEL, now=now)
        if old["type"] in _FILES:  # its value names the stored file: kept as it is
            draft.value1, draft.value2 = old["value1"], old["value2"]
        proposal_id = stored.insert(conn, _about(who, old, draft, now))
        return {MODEL: public(_stored(conn, proposal_id), email=True)}


def propose_delete(platform: Platform, who: Identity, ref: str) -> None:
    """``shadowAttributes/delete/{attribute}``: propose deleting the attribute."""
    require(who, "perm_add")
    now = platform.now()
    with platform.write() as conn:
        old = _live_attribute(platform, conn, who, ref)
        draft = AttributeDraft(
            uuid=old["uuid"],
            type=old["type"],
            category=old["category"],
            value1=old["value1"],
            value2=old["value2"],
            to_ids=bool(old["to_ids"]),
            distribution=Distribution.INHERIT,
            sharing_group_id=0,
            comment=old["comment"],
            disable_correlation=bool(old["disable_correlation"]),
            timestamp=now,
            first_seen=old["first_seen"],
            last_seen=old["last_seen"],
        )
        stored.insert(conn, _about(who, old, draft, now) | {"proposal_to_delete": True})


def _visible(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """Proposal ``ref`` (an id) if ``who`` sees it, else 404."""
    num = int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 19 else None
    row = None
    if num is not None:
        upp = platform.unpublished_private
        row = stored.find(conn, num, who.viewer, unpublished_private=upp)
    if row is None:
        raise NotFound(_MISSING)
    return row


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``shadowAttributes/view/{id}``."""
    with platform.read() as conn:
        return {MODEL: public(_visible(platform, conn, who, ref))}


def index(
    platform: Platform, who: Identity, event_ref: str | None, named: Mapping[str, str]
) -> list[dict[str, Any]]:
    """``shadowAttributes/index[/{event}]``: the proposals the user sees, by id (those
    of one event; ``timestamp:`` those made since; ``limit:`` and ``page:``)."""
    since = _number(named, "timestamp")
    limit = _number(named, "limit")
    page = _number(named, "page") or 1
    with platform.read() as conn:
        event_id = None
        if event_ref:
            if not (event_ref.isascii() and (event_ref.isdigit() or len(event_ref) == 36)):
                raise NotFound("Invalid event.")  # MISP's answer to any unknown event
            event_id = int(get_visible(platform, conn, who, event_ref)["id"])
        rows = stored.listed(
            conn,
            who.viewer,
            unpublished_private=platform.unpublished_private,
            event_id=event_id,
            since=since,
            limit=limit,
            offset=(page - 1) * (limit or 0),
        )
    return [{MODEL: public(r)} for r in rows]


def _number(named: Mapping[str, str], key: str) -> int | None:
    raw = named.get(key)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise InvalidInput(f"{key}: expected a positive integer, got {raw!r}")
    return int(raw)


def accept(platform: Platform, who: Identity, ref: str) -> str:
    """``shadowAttributes/accept/{id}``: apply the proposal (add the attribute, change
    it, or soft-delete it) and drop it, in one transaction; MISP's message. Only a user
    who may modify the event accepts (others who see it: 403)."""
    require(who, "perm_add")
    with platform.write() as conn:
        proposal = _visible(platform, conn, who, ref)
        event = get_visible(platform, conn, who, str(proposal["event_id"]))
        if not access.can_modify_event(who.viewer, facts(event)):
            raise Forbidden(_NOT_ACCEPTED)
        if proposal["old_id"] is None:
            _accept_new(platform, conn, who, proposal)
            message = "Proposal accepted."
        else:
            _accept_change(platform, conn, who, proposal)
            message = "Proposed change accepted."
        stored.delete(conn, int(proposal["id"]))
    return message


def _accept_new(platform: Platform, conn: Connection, who: Identity, proposal: Row) -> None:
    """Add the proposed attribute to its event (inheriting the event's distribution)."""
    now = platform.now()
    shown = public(proposal)
    fields = {k: shown[k] for k in (*_CHANGEABLE, "uuid", "disable_correlation")}
    fields |= {"distribution": Distribution.INHERIT, "timestamp": now}
    draft = parse_attribute(fields, MODEL, now=now)
    event_id = int(proposal["event_id"])
    if uuids.taken(conn, [("attribute", draft.uuid)]):
        raise UuidTaken("attribute", draft.uuid, MODEL)
    if stored_attributes.similar_attributes(conn, event_id, [draft]):
        raise Conflict(f"{MODEL}: {attribute_svc.SIMILAR}")
    ids = writes.insert_attributes(conn, event_id, [draft], tag_ids={})
    touch_event(conn, event_id, now)
    provenance.record_event_version(platform, conn, event_id, "content", who)
    notify.attributes_changed(conn, ids, "add")


def _accept_change(platform: Platform, conn: Connection, who: Identity, proposal: Row) -> None:
    """Apply a proposed change or deletion to its attribute."""
    old = stored_attributes.attributes_by_id(conn, [int(proposal["old_id"])])[0]
    if proposal["proposal_to_delete"]:
        attribute_svc.apply_delete(platform, conn, who, old, hard=False)
        return
    fields = public(proposal)
    changes = {k: fields[k] for k in _CHANGEABLE}
    attribute_svc.apply_edit(platform, conn, who, old, changes)


def discard(platform: Platform, who: Identity, ref: str) -> None:
    """``shadowAttributes/discard/{id}``: drop the proposal (a user who may modify the
    event, or the proposer)."""
    require(who, "perm_add")
    with platform.write() as conn:
        proposal = _visible(platform, conn, who, ref)
        event = get_visible(platform, conn, who, str(proposal["event_id"]))
        mine = proposal["user_id"] == who.viewer.user_id
        if not (mine or access.can_modify_event(who.viewer, facts(event))):
            raise Forbidden(attribute_svc.NO_PERMISSION)
        stored.delete(conn, int(proposal["id"]))


def decorate_event(
    platform: Platform, conn: Connection, who: Identity, row: Row, event: EventView
) -> None:
    """Put the proposals ``who`` sees in an event view: new attributes in the event's
    ``ShadowAttribute``, changes and deletions in their attribute's (only where there
    are some). Not for a remote instance's sync user: proposals do not travel."""
    if "Attribute" not in event or ("perm_sync" in who.viewer.perms and not who.viewer.site_admin):
        return
    rows = stored.listed(
        conn, who.viewer, unpublished_private=platform.unpublished_private, event_id=row["id"]
    )
    about: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    event["ShadowAttribute"] = []
    for r in rows:
        shown = public(r)
        if r["old_id"] is None:
            event["ShadowAttribute"].append(shown)
        else:
            about[shown["old_id"]].append(shown)
    if not about:
        return
    view = as_json(event)
    for holder in (view, *(view.get("Object") or ())):
        for attribute in holder.get("Attribute") or ():
            if attribute["id"] in about:
                attribute["ShadowAttribute"] = about[attribute["id"]]
