"""Sighting use cases: add sightings (on an attribute or by value), list them for an
event or attribute, search them."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_bool, as_int, as_str, as_timestamp
from threatmesh.formats.misp_json import unwrap
from threatmesh.formats.misp_types import SightingView
from threatmesh.model import access
from threatmesh.model.enums import SightingType
from threatmesh.model.errors import ACL_REFUSAL, Forbidden, InvalidInput, NotFound
from threatmesh.services.events.access import find_attribute, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.search.params import relative_time
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection
from threatmesh.storage.events import reads
from threatmesh.storage.events import sightings as stored
from threatmesh.storage.events.attributes import attributes_by_id
from threatmesh.storage.events.events import events_by_id
from threatmesh.storage.events.sightings import SightingFilter


def _parse_sighting(platform: Platform, payload: Any) -> tuple[dict[str, Any], int, int, str]:
    """One sighting of a request: its body, type, time and source."""
    data = dict(unwrap(payload, "Sighting"))
    kind = as_int(
        data.get("type", 0), "Sighting.type", allowed=frozenset(int(t) for t in SightingType)
    )
    when = as_timestamp(
        data.get("timestamp") or data.get("date_sighting"), "Sighting.timestamp", platform.now()
    )
    source = as_str(data.get("source") or "", "Sighting.source", max_len=255)
    return data, kind, when, source


def add_sighting(
    platform: Platform, who: Identity, payload: Any, attribute_ref: str | None
) -> list[SightingView]:
    """``sightings/add``: on one attribute (by id/UUID) or on every visible attribute
    with the given value(s); a list of sightings adds each (one transaction)."""
    if not who.viewer.can("perm_sighting"):
        raise Forbidden(ACL_REFUSAL)
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise InvalidInput("Sighting: the list of sightings is empty")
    parsed = [_parse_sighting(platform, item) for item in items]
    with platform.write() as conn:
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
            for data, kind, when, source in parsed
            for aid, eid in _sighting_targets(platform, conn, who, data, attribute_ref)
        ]
        added = stored.add_sightings(conn, rows)
        provenance.record_sightings(platform, conn, [str(r["uuid"]) for r in rows])
        notify.sightings_added(conn, [str(r["uuid"]) for r in rows])
        return [misp_out.sighting(r) for r in added]


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
    upp = platform.unpublished_private
    found = stored.attributes_with_values(conn, who.viewer, values, unpublished_private=upp)
    if not found:
        raise NotFound("No attribute found with that value.")
    return found


def list_sightings(
    platform: Platform, who: Identity, context: str, ref: str, org: str | None = None
) -> list[dict[str, Any]]:
    """``sightings/listSightings`` (and ``sightings/index/{event}``) for an event or an
    attribute; ``org`` (an organisation's id or UUID): only its sightings."""
    with platform.read() as conn:
        if context == "attribute":
            row = find_attribute(platform, conn, who, ref)
            ev = get_visible(platform, conn, who, str(row["event_id"]))
            ids = [row["id"]]
        elif context == "event":
            ev = get_visible(platform, conn, who, ref)
            ids = stored.attribute_ids_of_event(conn, who.viewer, ev["id"])
        else:
            raise InvalidInput(f"context: {context!r} is neither 'event' nor 'attribute'")
        found = reads.sightings_of(conn, who.viewer, ids, {ev["id"]: ev["org_id"]})
    return [
        {"Sighting": s}
        for i in ids
        for s in found.get(i, [])
        if org is None or org.lower() in (str(s["org_id"]), s["Organisation"]["uuid"])
    ]


def delete_sighting(platform: Platform, who: Identity, ref: str) -> None:
    """``sightings/delete``: a sighting the caller sees, of its own organisation (any,
    for a site admin), as MISP's ``SightingsController::delete``."""
    if not (who.viewer.can("perm_sighting") and who.viewer.can("perm_modify_org")):
        raise Forbidden("You do not have permission to delete sightings.")
    with platform.write() as conn:
        row = stored.find_sighting(conn, ref)
        visible = row is not None and access.sighting_visible(
            who.viewer, row["event_org"], row["org_id"]
        )
        if row is not None and visible:
            find_attribute(platform, conn, who, str(row["attribute_id"]))  # 404 if hidden
        if row is None or not visible:
            raise NotFound("Invalid sighting.")
        if not (who.viewer.site_admin or row["org_id"] == who.viewer.org_id):
            raise NotFound("Invalid sighting.")
        stored.delete_sighting(conn, int(row["id"]))


def _sighting_filter(context: str | None, params: dict[str, Any], now: int) -> SightingFilter:
    """What a sightings restSearch body asks for."""
    ref = params.get("id")
    if context not in (None, "", "event", "attribute"):
        raise InvalidInput(f"context: {context!r} is neither 'event' nor 'attribute'")
    kind, source, org = params.get("type"), params.get("source"), params.get("org_id")
    target = (context, str(ref)) if context and ref else None
    type_ = None if kind in (None, "") else as_int(kind, "type")
    org_id = as_int(org, "org_id") if org else None
    since: list[int] = []
    until: int | None = None
    for key in ("from", "last", "to"):
        if params.get(key) not in (None, ""):
            bound = relative_time(params[key], key, now)
            if key == "to":
                until = bound
            else:
                since.append(bound)
    return SightingFilter(
        target=target,
        type=type_,
        source=str(source) if source else None,
        org_id=org_id,
        since=tuple(since),
        until=until,
    )


def search_sightings(
    platform: Platform, who: Identity, context: str | None, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """``sightings/restSearch[/{event|attribute}]``: visible sightings, filtered by
    target id, type, source, organisation and time (``from``/``to``/``last``), oldest
    first; ``includeAttribute`` and ``includeEvent`` add the attribute and the event's
    metadata to each."""
    wanted = _sighting_filter(context, params, platform.now())
    with_attr = as_bool(params.get("includeAttribute") or False, "includeAttribute")
    with_event = as_bool(params.get("includeEvent") or False, "includeEvent")
    upp = platform.unpublished_private
    with platform.read() as conn:
        rows = stored.search_sightings(conn, who.viewer, wanted, unpublished_private=upp)
        rows = [r for r in rows if access.sighting_visible(who.viewer, r["event_org"], r["org_id"])]
        wanted_attrs = [r["attribute_id"] for r in rows] if with_attr else []
        attrs = {int(a["id"]): a for a in attributes_by_id(conn, wanted_attrs)}
        evs = events_by_id(conn, sorted({r["event_id"] for r in rows})) if with_event else {}
    out = []
    for r in rows:
        item: dict[str, Any] = dict(misp_out.sighting(r))
        if with_attr:
            item["Attribute"] = misp_out.attribute(attrs[r["attribute_id"]])
        if with_event:
            item["Event"] = reads.event_with_orgs(evs[r["event_id"]])
        out.append({"Sighting": item})
    return out
