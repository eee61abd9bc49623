"""Objects, tags and sightings: the use cases around an event's content."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_colour, as_id, as_int, as_str, as_timestamp
from threatmesh.formats.misp_json import object_uuid_claims, parse_object, unwrap
from threatmesh.model import access
from threatmesh.model.drafts import TagRef
from threatmesh.model.enums import SightingType
from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.events import attachments, collisions
from threatmesh.services.events.attributes import find_attribute, touch_event
from threatmesh.services.events.events import check_sharing_groups, facts, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.search.params import relative_time
from threatmesh.services.stream import notify
from threatmesh.storage.core import acl, driver
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    objects,
    sightings,
    tags,
)
from threatmesh.storage.correlation import value_index
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events.attachments import AttachmentStore


def add_object(
    platform: Platform,
    who: Identity,
    event_ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> dict[str, Any]:
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
        return _object_view(conn, oid)


def _object_view(conn: Connection, oid: int) -> dict[str, Any]:
    row = conn.execute(sa.select(objects).where(objects.c.id == oid)).mappings().one()
    out = misp_out.misp_object(row)
    attrs = conn.execute(
        sa.select(attributes).where(attributes.c.object_id == oid).order_by(attributes.c.id)
    ).mappings()
    out["Attribute"] = [misp_out.attribute(a) for a in attrs]
    return out


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
    oid = as_id(ref)
    cond = objects.c.id == oid if oid is not None else objects.c.uuid == ref.lower()
    with platform.write() as conn:
        visible = acl.event_visible(who.viewer, unpublished_private=platform.unpublished_private)
        q = (
            sa.select(objects.c.id, objects.c.event_id)
            .join(events, events.c.id == objects.c.event_id)
            .where(cond, visible, acl.object_visible_in_event(who.viewer))
        )
        row = conn.execute(q).first()
        if row is None:
            raise NotFound("Invalid object.")
        ev = get_visible(platform, conn, who, str(row.event_id))
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to delete this object.")
        notify.object_changed(conn, row.id, "delete")  # before a hard delete
        if hard:
            gone = attachments.uuids_of(conn, attributes.c.object_id == row.id)
            conn.execute(attributes.delete().where(attributes.c.object_id == row.id))
            conn.execute(objects.delete().where(objects.c.id == row.id))
        else:
            conn.execute(
                attributes.update()
                .where(attributes.c.object_id == row.id)
                .values(deleted=True, timestamp=now)
            )
            conn.execute(
                objects.update().where(objects.c.id == row.id).values(deleted=True, timestamp=now)
            )
        touch_event(conn, row.event_id, now)
        provenance.record_event_version(platform, conn, row.event_id, "content", who)
    attachments.forget(store, gone)


def attach_tag(
    platform: Platform, who: Identity, target: str, tag: str, *, local: bool, attach: bool
) -> str:
    """``tags/attachTagToObject`` / ``removeTagFromObject`` on an event or attribute UUID
    (or id). Returns "event" or "attribute"."""
    name = tag.strip()
    if not name:
        raise InvalidInput("tag: a tag name is required")
    with platform.write() as conn:
        kind, event_row, attr_id = _tag_target(platform, conn, who, target)
        if not access.can_tag_event(who.viewer, facts(event_row)):
            raise Forbidden("You do not have permission to tag this event.")
        ref = TagRef(name, local)
        tag_id = _tag_id(conn, who, ref, create=attach)
        event_id = event_row["id"]
        if kind == "event" and attach:
            writes.set_event_tags(conn, event_id, [ref], {name: tag_id})
        elif kind == "event":
            link = event_tags
            conn.execute(link.delete().where(link.c.event_id == event_id, link.c.tag_id == tag_id))
        elif attach:
            row = {"attribute_id": attr_id, "event_id": event_id, "tag_id": tag_id, "local": local}
            conn.execute(driver.insert_ignore(conn, attribute_tags), row)
        else:
            link = attribute_tags
            conn.execute(
                link.delete().where(link.c.attribute_id == attr_id, link.c.tag_id == tag_id)
            )
        conn.execute(
            events.update().where(events.c.id == event_id).values(timestamp=platform.now())
        )
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


def _tag_id(conn: Connection, who: Identity, ref: TagRef, *, create: bool) -> int:
    """The id of tag ``ref`` (by name, or by id for removal); created if ``create``."""
    if create:
        ids = writes.ensure_tags(conn, [ref])
        return ids[ref.name]
    by_name_or_id = sa.or_(tags.c.name == ref.name, tags.c.id == (as_id(ref.name) or -1))
    found = conn.execute(sa.select(tags.c.id).where(by_name_or_id)).scalar()
    if found is None:
        raise NotFound(f"Tag {ref.name!r} not found.")
    return int(found)


def _tag_target(
    platform: Platform, conn: Connection, who: Identity, target: str
) -> tuple[str, Any, int]:
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


def add_sighting(
    platform: Platform, who: Identity, payload: Any, attribute_ref: str | None
) -> list[dict[str, Any]]:
    """``sightings/add``: on one attribute (by id/UUID) or on every visible attribute
    with the given value(s)."""
    if not who.viewer.can("perm_sighting"):
        raise Forbidden("You do not have permission to add sightings.")
    data = unwrap(payload, "Sighting")
    kind = as_int(
        data.get("type", 0), "Sighting.type", allowed=frozenset(int(t) for t in SightingType)
    )
    when = as_timestamp(
        data.get("timestamp") or data.get("date_sighting"), "Sighting.timestamp", platform.now()
    )
    source = as_str(data.get("source") or "", "Sighting.source", max_len=255)
    with platform.write() as conn:
        targets = _sighting_targets(platform, conn, who, data, attribute_ref)
        rows = [
            {
                "uuid": str(uuidlib.uuid4()),
                "attribute_id": aid,
                "event_id": eid,
                "org_id": who.viewer.org_id,
                "date_sighting": when,
                "source": source,
                "type": kind,
            }
            for aid, eid in targets
        ]
        conn.execute(sightings.insert(), rows)
        for eid in {eid for _, eid in targets}:
            conn.execute(events.update().where(events.c.id == eid).values(sighting_timestamp=when))
        provenance.record_sightings(platform, conn, [str(r["uuid"]) for r in rows])
        notify.sightings_added(conn, [str(r["uuid"]) for r in rows])
        q = reads.sighting_query().where(sightings.c.uuid.in_([r["uuid"] for r in rows]))
        return [misp_out.sighting(r) for r in conn.execute(q).mappings()]


def _sighting_targets(
    platform: Platform, conn: Connection, who: Identity, data: Any, attribute_ref: str | None
) -> list[tuple[int, int]]:
    ref = attribute_ref or data.get("id") or data.get("uuid")
    if ref:
        row = find_attribute(platform, conn, who, str(ref))
        return [(row["id"], row["event_id"])]
    values = data.get("values") or data.get("value")
    if not values:
        raise InvalidInput("Sighting: give an attribute id/uuid, or value(s) to match")
    values = [
        as_str(v, "Sighting.value") for v in (values if isinstance(values, list) else [values])
    ]
    q = (
        sa.select(attributes.c.id, attributes.c.event_id)
        .join(events, events.c.id == attributes.c.event_id)
        .where(
            sa.or_(
                value_index.value1_in(attributes, values),
                value_index.value2_in(attributes, values),
            ),
            attributes.c.deleted.is_(False),
            acl.attribute_visible(
                who.viewer, attributes, events, unpublished_private=platform.unpublished_private
            ),
        )
    )
    found = [(r.id, r.event_id) for r in conn.execute(q)]
    if not found:
        raise NotFound("No attribute found with that value.")
    return found


def list_sightings(
    platform: Platform, who: Identity, context: str, ref: str
) -> list[dict[str, Any]]:
    """``sightings/listSightings`` for an event or an attribute."""
    with platform.read() as conn:
        if context == "attribute":
            row = find_attribute(platform, conn, who, ref)
            ev = get_visible(platform, conn, who, str(row["event_id"]))
            ids = [row["id"]]
        elif context == "event":
            ev = get_visible(platform, conn, who, ref)
            q = (
                sa.select(attributes.c.id)
                .join(events, events.c.id == attributes.c.event_id)
                .where(
                    attributes.c.event_id == ev["id"],
                    acl.attribute_visible_in_event(who.viewer, attributes),
                )
            )
            ids = list(conn.execute(q).scalars())
        else:
            raise InvalidInput(f"context: {context!r} is neither 'event' nor 'attribute'")
        found = reads.sightings_of(conn, who.viewer, ids, {ev["id"]: ev["org_id"]})
        return [{"Sighting": s} for i in ids for s in found.get(i, [])]


def _sighting_filters(context: str | None, params: dict[str, Any], now: int) -> list[Any]:
    """SQL conditions for a sightings restSearch body."""
    conds: list[Any] = []
    ref = params.get("id")
    if context not in (None, "", "event", "attribute"):
        raise InvalidInput(f"context: {context!r} is neither 'event' nor 'attribute'")
    if context and ref:
        table = events if context == "event" else attributes
        num = as_id(str(ref))
        conds.append(table.c.id == num if num is not None else table.c.uuid == str(ref).lower())
    if params.get("type") not in (None, ""):
        conds.append(sightings.c.type == as_int(params["type"], "type"))
    if params.get("source"):
        conds.append(sightings.c.source == str(params["source"]))
    if params.get("org_id"):
        conds.append(sightings.c.org_id == as_int(params["org_id"], "org_id"))
    col = sightings.c.date_sighting
    for key in ("from", "last", "to"):
        if params.get(key) not in (None, ""):
            bound = relative_time(params[key], key, now)
            conds.append(col <= bound if key == "to" else col >= bound)
    return conds


def search_sightings(
    platform: Platform, who: Identity, context: str | None, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """``sightings/restSearch[/{event|attribute}]``: visible sightings, filtered by
    target id, type, source, organisation and time (``from``/``to``/``last``)."""
    upp = platform.unpublished_private
    q = (
        reads.sighting_query()
        .add_columns(events.c.org_id.label("event_org"))
        .join(attributes, attributes.c.id == sightings.c.attribute_id)
        .join(events, events.c.id == sightings.c.event_id)
        .where(
            acl.attribute_visible(who.viewer, attributes, events, unpublished_private=upp),
            *_sighting_filters(context, params, platform.now()),
        )
        .limit(10_000)
    )
    with platform.read() as conn:
        rows = conn.execute(q).mappings().all()
    return [
        {"Sighting": misp_out.sighting(r)}
        for r in rows
        if access.sighting_visible(who.viewer, r["event_org"], r["org_id"])
    ]


def list_tags(platform: Platform, who: Identity, search: str | None = None) -> list[dict[str, Any]]:
    """``tags/index``: every tag (optionally names matching ``search``, ``%`` wildcards)."""
    q = sa.select(tags).order_by(tags.c.name)
    if search:
        q = q.where(tags.c.name.ilike(search) if "%" in search else tags.c.name == search)
    with platform.read() as conn:
        return [
            misp_out.tag({**r, "tag_id": r["id"], "local": False})
            for r in conn.execute(q).mappings()
        ]


def add_tag(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``tags/add``: create a tag (needs the tag editor permission)."""
    if not who.viewer.can("perm_tag_editor"):
        raise Forbidden("You need the tag editor permission to create tags.")
    data = unwrap(payload, "Tag")
    name = as_str(data.get("name"), "Tag.name", max_len=255).strip()
    if not name:
        raise InvalidInput("Tag.name: a tag needs a name")
    colour = as_colour(data.get("colour"), "Tag.colour") or "#0088cc"
    with platform.write() as conn:
        if conn.execute(sa.select(tags.c.id).where(tags.c.name == name)).first():
            raise Conflict(f"Tag {name!r} already exists.")
        writes.ensure_tags(conn, [TagRef(name, False, colour)])
        row = conn.execute(sa.select(tags).where(tags.c.name == name)).mappings().one()
        return misp_out.tag({**row, "tag_id": row["id"], "local": False})
