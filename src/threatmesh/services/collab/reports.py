"""``eventReports/*`` (MISP's ``EventReportsController``): markdown reports inside an
event, with the event's access rules.

A report is seen by who sees its event and, outside the event's owner organisation,
when its own distribution allows it (as an object is, ``5`` inheriting the event's).
Adding, editing and deleting need ``perm_add`` and the right to modify the event; a
change unpublishes the event and bumps its timestamp, as MISP's ``EventReport`` does.
Deleting is soft (``deleted``) unless ``hard``; a soft-deleted report shows only with
``deleted`` and only to whom MISP shows deleted content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_int, as_str, uuid_or_new
from threatmesh.formats.misp_json import unwrap
from threatmesh.model import access
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.collab.common import require
from threatmesh.services.events.access import facts, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.collab import reports as stored
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import events as stored_events

MODEL = "EventReport"
_MISSING = "Invalid Event Report."
_DISTRIBUTIONS = frozenset(int(d) for d in Distribution)


def public(row: Row) -> dict[str, Any]:
    """A report as MISP shows it (inside ``{"EventReport": ...}`` or an event)."""
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "event_id": str(row["event_id"]),
        "name": row["name"],
        "content": row["content"],
        "distribution": str(row["distribution"]),
        "sharing_group_id": str(row["sharing_group_id"]),
        "timestamp": str(row["timestamp"]),
        "deleted": bool(row["deleted"]),
    }


def _allows(who: Identity, event_org_id: int, report: Row) -> bool:
    element = access.ElementFacts(
        report["distribution"], report["sharing_group_id"], bool(report["deleted"])
    )
    if who.viewer.site_admin or event_org_id == who.viewer.org_id:
        return True
    return access.element_allows(who.viewer, element)


def visible_reports(
    conn: Connection, who: Identity, event: Row, *, deleted: bool = False
) -> list[dict[str, Any]]:
    """``EventReport`` of an event the caller sees (for event views)."""
    rows = stored.of_events(conn, [int(event["id"])], deleted=deleted)
    return [public(r) for r in rows if _allows(who, int(event["org_id"]), r)]


def _visible(platform: Platform, conn: Connection, who: Identity, ref: str) -> tuple[Row, Row]:
    """The report ``ref`` and its event, if the caller sees both (else 404)."""
    if not ref.isascii() or not (ref.isdigit() or len(ref) == 36):
        raise InvalidInput(f"{ref!r} is not an event report id or UUID")
    report = stored.find(conn, ref)
    if report is None:
        raise NotFound(_MISSING)
    try:
        event = get_visible(platform, conn, who, str(report["event_id"]))
    except NotFound:
        raise NotFound(_MISSING) from None
    if not _allows(who, int(event["org_id"]), report):
        raise NotFound(_MISSING)
    return report, event


def _modifiable(who: Identity, event: Row) -> None:
    require(who, "perm_add")
    if not access.can_modify_event(who.viewer, facts(event)):
        raise Forbidden("You do not have permission to do that.")


def _fields(who: Identity, data: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if new or "name" in data:
        name = as_str(data.get("name") or "", "EventReport.name", max_len=255).strip()
        if not name:
            raise InvalidInput("EventReport.name: a report needs a name")
        out["name"] = name
    if new or "content" in data:
        out["content"] = as_str(data.get("content") or "", "EventReport.content")
    if new or "distribution" in data:
        raw = data.get("distribution", Distribution.INHERIT)
        out["distribution"] = as_int(raw, "EventReport.distribution", allowed=_DISTRIBUTIONS)
    if out.get("distribution") == Distribution.SHARING_GROUP:
        sg = as_int(data.get("sharing_group_id"), "EventReport.sharing_group_id")
        if not (who.viewer.site_admin or sg in who.viewer.sharing_group_ids):
            raise InvalidInput(f"EventReport.sharing_group_id: no sharing group {sg}")
        out["sharing_group_id"] = sg
    elif "distribution" in out:
        out["sharing_group_id"] = 0
    return out


def add(platform: Platform, who: Identity, event_ref: str, body: Any) -> dict[str, Any]:
    """Add a report to an event the caller may modify."""
    data = unwrap(body, MODEL)
    uuid = uuid_or_new(data, "EventReport.uuid")
    with platform.write() as conn:
        event = get_visible(platform, conn, who, event_ref)
        _modifiable(who, event)
        if stored.find(conn, uuid) is not None:
            raise Conflict("EventReport.uuid: an event report with this UUID already exists")
        values = _fields(who, data, new=True)
        now = platform.now()
        values |= {"uuid": uuid, "event_id": event["id"], "timestamp": now, "deleted": False}
        report_id = stored.insert(conn, values)
        stored_events.touch_event(conn, int(event["id"]), now)
        row = stored.find(conn, str(report_id))
    assert row is not None
    return {MODEL: public(row)}


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """One report (by id or UUID) the caller may see."""
    with platform.read() as conn:
        report, _ = _visible(platform, conn, who, ref)
    return {MODEL: public(report)}


def edit(platform: Platform, who: Identity, ref: str, body: Any) -> dict[str, Any]:
    """Change a report's name, content or distribution."""
    data = unwrap(body, MODEL)
    with platform.write() as conn:
        report, event = _visible(platform, conn, who, ref)
        _modifiable(who, event)
        now = platform.now()
        stored.update(conn, int(report["id"]), _fields(who, data, new=False) | {"timestamp": now})
        stored_events.touch_event(conn, int(event["id"]), now)
        row = stored.find(conn, str(report["id"]))
    assert row is not None
    return {MODEL: public(row)}


def delete(platform: Platform, who: Identity, ref: str, *, hard: bool) -> None:
    """Soft-delete a report (``hard``: remove it)."""
    with platform.write() as conn:
        report, event = _visible(platform, conn, who, ref)
        _modifiable(who, event)
        now = platform.now()
        if hard:
            stored.delete(conn, int(report["id"]))
        else:
            stored.update(conn, int(report["id"]), {"deleted": True, "timestamp": now})
        stored_events.touch_event(conn, int(event["id"]), now)


def index(platform: Platform, who: Identity, named: Mapping[str, str]) -> list[dict[str, Any]]:
    """The reports the caller sees (``event_id:`` narrows to one event's; ``deleted:1``
    shows the soft-deleted ones instead)."""
    deleted = named.get("deleted") in ("1", "true")
    with platform.read() as conn:
        if named.get("event_id"):
            event = get_visible(platform, conn, who, named["event_id"])
            rows = stored.of_events(conn, [int(event["id"])], deleted=deleted)
            pairs = [(r, int(event["org_id"])) for r in rows]
        else:
            upp = platform.unpublished_private
            rows = stored.in_visible_events(
                conn, who.viewer, unpublished_private=upp, deleted=deleted
            )
            pairs = [(r, int(r["event_org_id"])) for r in rows]
    shown = [r for r, owner in pairs if _allows(who, owner, r) and (r["deleted"] or not deleted)]
    return [{MODEL: public(r)} for r in shown]
