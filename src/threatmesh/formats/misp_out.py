"""Database rows -> MISP JSON, in the shapes MISP's API answers with: the one view
builder (``formats.misp_types`` types what it builds).

MISP sends ids, enums and timestamps as strings and flags as JSON booleans; PyMISP and
other clients rely on that, so these functions do the same. :func:`event_content` and
:func:`event_view` assemble whole events from the rows storage read (one event for
``events/view``, ``events/restSearch`` and ``events/add``'s answer, a page of them for
sync), so every answer that carries an event is built here, the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

import orjson

from threatmesh.formats.misp_types import (
    AttributeView,
    EventMeta,
    EventView,
    ObjectView,
    OrgView,
    ReferenceView,
    RelatedEventView,
    SharingGroupView,
    SightingView,
    TagView,
)

Row = Mapping[Any, Any]  # also accepts SQLAlchemy RowMapping


def seen(micros: int | None) -> str | None:
    """``first_seen``/``last_seen`` as MISP prints them (ISO 8601, microseconds, UTC)."""
    if micros is None:
        return None
    moment = dt.datetime.fromtimestamp(micros / 1_000_000, dt.UTC)
    return moment.isoformat(timespec="microseconds")


def org(row: Row, prefix: str = "") -> OrgView:
    """``Org``/``Orgc`` summary from columns ``{prefix}id``, ``{prefix}name``..."""
    return {
        "id": str(row[f"{prefix}id"]),
        "name": row[f"{prefix}name"],
        "uuid": row[f"{prefix}uuid"],
        "local": bool(row[f"{prefix}local"]),
    }


def attribute_event(row: Row) -> dict[str, Any]:
    """An attribute's ``Event`` in an ``attributes/restSearch`` answer, from columns
    ``event_id``, ``event_uuid``, ``event_info``, ``event_org_id``, ``event_orgc_id`` and
    ``event_distribution`` (MISP's six fields; PyMISP's pythonify requires ``info``)."""
    return {
        "id": str(row["event_id"]),
        "uuid": row["event_uuid"],
        "info": row["event_info"],
        "org_id": str(row["event_org_id"]),
        "orgc_id": str(row["event_orgc_id"]),
        "distribution": str(row["event_distribution"]),
    }


def tag(row: Row) -> TagView:
    """A tag as attached to an event or attribute."""
    return {
        "id": str(row["tag_id"]),
        "name": row["name"],
        "colour": row["colour"],
        "exportable": bool(row["exportable"]),
        "user_id": str(row["user_id"]),
        "hide_tag": bool(row["hide_tag"]),
        "numerical_value": row["numerical_value"],
        "is_galaxy": bool(row["is_galaxy"]),
        "is_custom_galaxy": bool(row["is_custom_galaxy"]),
        "local_only": bool(row["local_only"]),
        "local": 1 if row["local"] else 0,
    }


def attribute(row: Row, *, envelope_text: bool = False) -> AttributeView:
    """An attribute row (``attributes`` columns). With ``envelope_text`` a protected
    attribute's ``Protected`` is its stored JSON text as an ``orjson.Fragment``, for an
    answer that orjson serialises unread (see ``ReadOptions.envelope_text``)."""
    value2, first, last = row["value2"], row["first_seen"], row["last_seen"]
    out: AttributeView = {
        "id": str(row["id"]),
        "type": row["type"],
        "category": row["category"],
        "to_ids": bool(row["to_ids"]),
        "uuid": row["uuid"],
        "event_id": str(row["event_id"]),
        "distribution": str(row["distribution"]),
        "timestamp": str(row["timestamp"]),
        "comment": row["comment"],
        "sharing_group_id": str(row["sharing_group_id"]),
        "deleted": bool(row["deleted"]),
        "disable_correlation": bool(row["disable_correlation"]),
        "object_id": str(row["object_id"]),
        "object_relation": row["object_relation"],
        "first_seen": None if first is None else seen(first),
        "last_seen": None if last is None else seen(last),
        "value": f"{row['value1']}|{value2}" if value2 else row["value1"],
    }
    # In place rather than ``| protected(row)``: this runs for every attribute shown.
    envelope = row.get("envelope")
    if envelope:
        out["Protected"] = orjson.Fragment(envelope) if envelope_text else orjson.loads(envelope)
    return out


def protected(row: Row) -> dict[str, Any]:
    """``{"Protected": envelope}`` for a protected attribute row, else nothing."""
    text = row.get("envelope")
    return {"Protected": orjson.loads(text)} if text else {}


def misp_object(row: Row) -> ObjectView:
    """An object row (``objects`` columns), without its attributes."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "meta-category": row["meta_category"],
        "description": row["description"],
        "template_uuid": row["template_uuid"],
        "template_version": row["template_version"],
        "event_id": str(row["event_id"]),
        "uuid": row["uuid"],
        "timestamp": str(row["timestamp"]),
        "distribution": str(row["distribution"]),
        "sharing_group_id": str(row["sharing_group_id"]),
        "comment": row["comment"],
        "deleted": bool(row["deleted"]),
        "first_seen": seen(row["first_seen"]),
        "last_seen": seen(row["last_seen"]),
    }


def reference(row: Row) -> ReferenceView:
    """An object reference row."""
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "timestamp": str(row["timestamp"]),
        "object_id": str(row["object_id"]),
        "event_id": str(row["event_id"]),
        "source_uuid": row["source_uuid"],
        "referenced_uuid": row["referenced_uuid"],
        "referenced_id": str(row["referenced_id"]),
        "referenced_type": str(row["referenced_type"]),
        "relationship_type": row["relationship_type"],
        "comment": row["comment"],
        "deleted": bool(row["deleted"]),
    }


def event_meta(row: Row) -> EventMeta:
    """The event's own fields (``events`` columns), without content."""
    return {
        "id": str(row["id"]),
        "orgc_id": str(row["orgc_id"]),
        "org_id": str(row["org_id"]),
        "date": row["date"].isoformat() if hasattr(row["date"], "isoformat") else str(row["date"]),
        "threat_level_id": str(row["threat_level_id"]),
        "info": row["info"],
        "published": bool(row["published"]),
        "uuid": row["uuid"],
        "attribute_count": str(row["attribute_count"]),
        "analysis": str(row["analysis"]),
        "timestamp": str(row["timestamp"]),
        "distribution": str(row["distribution"]),
        "proposal_email_lock": bool(row["proposal_email_lock"]),
        "locked": bool(row["locked"]),
        "publish_timestamp": str(row["publish_timestamp"]),
        "sharing_group_id": str(row["sharing_group_id"]),
        "disable_correlation": bool(row["disable_correlation"]),
        "extends_uuid": row["extends_uuid"],
        "protected": None,
        "sighting_timestamp": str(row["sighting_timestamp"]),
    }


def sighting(row: Row) -> SightingView:
    """A sighting with its organisation."""
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "attribute_id": str(row["attribute_id"]),
        "event_id": str(row["event_id"]),
        "org_id": str(row["org_id"]),
        "date_sighting": str(row["date_sighting"]),
        "source": row["source"],
        "type": str(row["type"]),
        "Organisation": {
            "id": str(row["org_id"]),
            "name": row["org_name"],
            "uuid": row["org_uuid"],
        },
    }


def related_event(row: Row) -> RelatedEventView:
    """A ``RelatedEvent`` entry of an event view."""
    return {
        "Event": {
            "id": str(row["id"]),
            "date": row["date"].isoformat(),
            "threat_level_id": str(row["threat_level_id"]),
            "info": row["info"],
            "published": bool(row["published"]),
            "uuid": row["uuid"],
            "analysis": str(row["analysis"]),
            "timestamp": str(row["timestamp"]),
            "distribution": str(row["distribution"]),
            "org_id": str(row["org_id"]),
            "orgc_id": str(row["orgc_id"]),
            "Org": {"id": str(row["org_id"]), "name": row["org_name"], "uuid": row["org_uuid"]},
            "Orgc": {"id": str(row["orgc_id"]), "name": row["orgc_name"], "uuid": row["orgc_uuid"]},
        }
    }


def event_with_orgs(row: Row) -> EventView:
    """Event metadata with ``Org`` and ``Orgc`` (a row of ``storage.events.reads.event_query``:
    ``org_*`` and ``orgc_*`` columns)."""
    out = cast(EventView, event_meta(row))  # completed in place: Org and Orgc follow
    out["Org"] = org(row, "org_")
    out["Orgc"] = org(row, "orgc_")
    return out


#: Attributes at event level and objects (with theirs), per event id.
Content = tuple[dict[int, list[AttributeView]], dict[int, list[ObjectView]]]


def event_content(
    attribute_rows: Iterable[Row],
    object_rows: Iterable[Row],
    reference_rows: Iterable[Row],
    attribute_tags: Mapping[int, list[TagView]],
    sightings: Mapping[int, list[SightingView]] | None,
    *,
    envelope_text: bool = False,
) -> Content:
    """The content of one or more events from the rows a viewer may see (each in id
    order): attributes with their ``Tag`` (by attribute id) and, unless ``sightings``
    is None, their ``Sighting``; objects with their attributes and references (rows
    of objects not among ``object_rows`` are left out). See :func:`attribute` for
    ``envelope_text``."""
    objs: dict[int, ObjectView] = {}
    by_event: defaultdict[int, list[ObjectView]] = defaultdict(list)
    for r in object_rows:
        obj = misp_object(r)
        obj["Attribute"], obj["ObjectReference"] = [], []
        objs[r["id"]] = obj
        by_event[r["event_id"]].append(obj)
    top: defaultdict[int, list[AttributeView]] = defaultdict(list)
    for r in attribute_rows:
        a = attribute(r, envelope_text=envelope_text)
        a["Tag"] = exportable(attribute_tags.get(r["id"], []))
        if sightings is not None:
            a["Sighting"] = sightings.get(r["id"], [])
        oid = r["object_id"]
        if oid == 0:
            top[r["event_id"]].append(a)
        elif oid in objs:
            objs[oid]["Attribute"].append(a)
    for ref in reference_rows:
        owner = objs.get(ref["object_id"])
        if owner is not None:
            owner["ObjectReference"].append(reference(ref))
    return top, by_event


def exportable(tags: list[TagView]) -> list[TagView]:
    """The tags MISP shows in an event: its ``fetchEvent`` leaves out the tags marked
    non-exportable (``includeAllTags`` is its UI's view, not its API's)."""
    return [t for t in tags if t["exportable"]]


def event_view(
    row: Row,
    content: Content | None,
    tags: list[TagView],
    related: list[RelatedEventView],
) -> EventView:
    """Event ``row`` (see :func:`event_with_orgs`) as events/view answers it, with its
    ``content`` (from :func:`event_content`; None for MISP's ``metadata:1``), its tags
    and its related events."""
    out = event_with_orgs(row)
    if content is not None:
        top, objs = content
        out["Attribute"] = top.get(row["id"], [])
        out["ShadowAttribute"] = []
        out["Object"] = objs.get(row["id"], [])
        out["EventReport"] = []
    out["Tag"] = exportable(tags)
    out["Galaxy"] = []
    out["CryptographicKey"] = []
    out["RelatedEvent"] = related
    return out


_SHARING_GROUP = "4"  # Distribution.SHARING_GROUP, as the views carry it


def _sharing_group_users(view: EventView) -> list[EventView | ObjectView | AttributeView]:
    """The event and every object and attribute in its view."""
    found: list[EventView | ObjectView | AttributeView] = [view, *view.get("Attribute", [])]
    for obj in view.get("Object", []):
        found += [obj, *obj.get("Attribute", [])]
    return found


def sharing_group_ids(view: EventView) -> set[int]:
    """The sharing groups the event, its objects and attributes are distributed to."""
    return {
        int(item["sharing_group_id"])
        for item in _sharing_group_users(view)
        if item["distribution"] == _SHARING_GROUP
    }


def sharing_groups(rows: Iterable[Row]) -> dict[str, SharingGroupView]:
    """Sharing groups by id (a string, as views carry ``sharing_group_id``) from the
    rows of ``storage.directory.sharing_groups.view_rows`` (one per member)."""
    out: dict[str, SharingGroupView] = {}
    for r in rows:
        sg_id = str(r["id"])
        group = out.get(sg_id)
        if group is None:
            group = out[sg_id] = _sharing_group(r)
        if r["kind"] == "org":
            group["SharingGroupOrg"].append(
                {
                    "sharing_group_id": sg_id,
                    "org_id": str(r["member_id"]),
                    "extend": bool(r["flag"]),
                    "Organisation": {
                        "id": str(r["member_id"]),
                        "name": r["member_name"],
                        "uuid": r["member_uuid"],
                    },
                }
            )
        elif r["kind"] == "server":
            server = str(r["member_id"])
            group["SharingGroupServer"].append(
                {"sharing_group_id": sg_id, "server_id": server, "all_orgs": bool(r["flag"])}
            )
    return out


def _sharing_group(r: Row) -> SharingGroupView:
    return {
        "id": str(r["id"]),
        "name": r["name"],
        "uuid": r["uuid"],
        "description": r["description"],
        "releasability": r["releasability"],
        "organisation_uuid": r["owner_uuid"],
        "org_id": str(r["org_id"]),
        "sync_user_id": "0",
        "active": bool(r["active"]),
        "created": str(r["created"]),
        "modified": str(r["modified"]),
        "local": bool(r["local"]),
        "roaming": bool(r["roaming"]),
        "Organisation": {"id": str(r["org_id"]), "name": r["owner_name"], "uuid": r["owner_uuid"]},
        "SharingGroupOrg": [],
        "SharingGroupServer": [],
    }


def attach_sharing_groups(view: EventView, groups: Mapping[str, SharingGroupView]) -> None:
    """Give the event, and each object and attribute in ``view``, distributed to one
    of ``groups`` its ``SharingGroup`` (as MISP's ``Event::fetchEvent`` does; groups
    the viewer may not read are not in ``groups``, and their users keep only their
    ``sharing_group_id``)."""
    for item in _sharing_group_users(view):
        group = groups.get(item["sharing_group_id"])
        if group is not None and item["distribution"] == _SHARING_GROUP:
            item["SharingGroup"] = group
