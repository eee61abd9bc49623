"""``eventBlocklists/*`` and ``orgBlocklists/*`` (MISP's ``BlocklistComponent``), and
the check ``events/add`` and sync receive make against the two lists.

An event whose UUID is on the event blocklist, or whose creator organisation is on the
organisation blocklist, is refused as MISP's ``Event::_add`` refuses it. Removing an entry
deletes it (MISP keeps no trace either): the UUID may come in again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_list, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound
from threatmesh.services.collab.common import NO_PERMISSION, misp_datetime
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.collab import blocklists as stored
from threatmesh.storage.collab.blocklists import EVENTS, ORGANISATIONS, Blocklist
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory.organisations import org_uuid
from threatmesh.storage.directory.records import find_org
from threatmesh.storage.sync.store import host_org

#: The two lists by the name the API uses, with MISP's model name.
LISTS: dict[str, tuple[Blocklist, str]] = {
    "event": (EVENTS, "EventBlocklist"),
    "organisation": (ORGANISATIONS, "OrgBlocklist"),
}
EVENT_BLOCKED = "Event blocked by event blocklist."
ORG_BLOCKED = "Event blocked by organisation blocklist."
_UUID_LEN = 36


def _allowed(platform: Platform, who: Identity, kind: str) -> None:
    """Organisation blocklists: site admins. Event blocklists: also users of the host
    organisation who may add events (MISP's ``host_org_user`` and ``perm_add``)."""
    if who.viewer.site_admin:
        return
    if kind == "event" and who.viewer.can("perm_add"):
        with platform.read() as conn:
            host = host_org(conn)
        if host is not None and int(host["id"]) == who.viewer.org_id:
            return
    raise Forbidden(NO_PERMISSION)


def _public(kind: str, row: Row) -> dict[str, Any]:
    blocklist = LISTS[kind][0]
    out = {"id": str(row["id"]), blocklist.target: row[blocklist.target]}
    out["created"] = misp_datetime(int(row["created"]))
    out.update({f: row[f] for f in blocklist.fields})
    return out


def _fields(kind: str, data: Mapping[str, Any]) -> dict[str, str]:
    wanted = LISTS[kind][0].fields
    return {
        f: as_str(data[f], f, max_len=65535 if f == "comment" else 255)
        for f in wanted
        if data.get(f) is not None
    }


def index(platform: Platform, who: Identity, kind: str, named: Mapping[str, str]) -> list[Any]:
    """The entries (``index``), narrowed by MISP's named parameters."""
    _allowed(platform, who, kind)
    blocklist = LISTS[kind][0]
    valid = {blocklist.target, *blocklist.fields, "searchall"}
    match = {k: v for k, v in named.items() if k in valid and v}
    with platform.read() as conn:
        return [_public(kind, r) for r in stored.entries(conn, blocklist, match)]


def add(platform: Platform, who: Identity, kind: str, body: Any) -> dict[str, Any]:
    """Block each UUID of ``uuids`` (a list, or lines of text); report which were
    added and which not (malformed, or already blocked)."""
    _allowed(platform, who, kind)
    blocklist, model = LISTS[kind]
    data = unwrap(body.get("request", body) if isinstance(body, dict) else body, model)
    raw = data.get("uuids")
    if raw is None:
        raise InvalidInput('Pass a list of uuids via the "uuids" key in the request object.')
    uuids = raw.strip().splitlines() if isinstance(raw, str) else as_list(raw, "uuids")
    values = _fields(kind, data)
    successes: list[str] = []
    fails: list[str] = []
    with platform.write() as conn:
        now = platform.now()
        for item in uuids:
            uuid = str(item).strip().lower()
            ok = len(uuid) == _UUID_LEN and stored.add(conn, blocklist, uuid, values, now)
            (successes if ok else fails).append(str(item).strip())
    message = (
        f"Done. Added {len(successes)} new entries to the blocklist. "
        f"{len(fails)} entries could not be saved."
    )
    return {"result": {"successes": successes, "fails": fails}, "message": message}


def _entry(conn: Connection, kind: str, ref: str, missing: str) -> Row:
    row = stored.find(conn, LISTS[kind][0], ref)
    if row is None:
        raise NotFound(missing)
    return row


def edit(platform: Platform, who: Identity, kind: str, ref: str, body: Any) -> dict[str, Any]:
    """Change an entry's comment and descriptive fields (by id or blocked UUID)."""
    _allowed(platform, who, kind)
    blocklist, model = LISTS[kind]
    data = unwrap(body.get("request", body) if isinstance(body, dict) else body, model)
    with platform.write() as conn:
        row = _entry(conn, kind, ref, "Blocklist item not found.")
        stored.update(conn, blocklist, int(row["id"]), _fields(kind, data))
        return {model: _public(kind, _entry(conn, kind, ref, "Blocklist item not found."))}


def delete(platform: Platform, who: Identity, kind: str, ref: str) -> None:
    """Remove an entry (by id or blocked UUID) for good."""
    _allowed(platform, who, kind)
    with platform.write() as conn:
        row = _entry(conn, kind, ref, "Invalid blocklist entry")
        stored.delete(conn, LISTS[kind][0], int(row["id"]))


def block_deleted(conn: Connection, event: Row, now: int) -> None:
    """Blocklist a deleted event's UUID, as MISP's ``Event::beforeDelete`` does when
    ``MISP.enableEventBlocklisting`` is on (an entry already there stays as it is)."""
    orgc = find_org(conn, int(event["orgc_id"]))
    values = {
        "event_info": str(event["info"])[:255],
        "event_orgc": str(orgc["name"]) if orgc is not None else "",
        "comment": "Automatically blocked by deleting event",
    }
    stored.add(conn, EVENTS, str(event["uuid"]).lower(), values, now)


def creator_uuid(conn: Connection, who: Identity, event: Mapping[str, Any]) -> str:
    """The creator organisation an event would get: its ``Orgc`` if it names one, else
    the user's own (as ``Event::_add`` decides for the blocklist check)."""
    orgc = event.get("Orgc")
    if isinstance(orgc, Mapping) and isinstance(orgc.get("uuid"), str):
        return str(orgc["uuid"])
    return org_uuid(conn, who.viewer.org_id) or ""


def refusal(conn: Connection, event_uuid: str, orgc_uuid: str) -> str | None:
    """Why an event (by its UUID and creator organisation's) may not come in, or None."""
    if event_uuid and stored.blocked(conn, EVENTS, [event_uuid]):
        return EVENT_BLOCKED
    if orgc_uuid and stored.blocked(conn, ORGANISATIONS, [orgc_uuid]):
        return ORG_BLOCKED
    return None


def check_new_event(platform: Platform, who: Identity, payload: Any) -> None:
    """Refuse (403) an ``events/add`` of a blocked event, before anything else is
    checked, as MISP does."""
    event = unwrap(payload, "Event") if isinstance(payload, Mapping) else {}
    raw_uuid = event.get("uuid")
    with platform.read() as conn:
        why = refusal(conn, raw_uuid if isinstance(raw_uuid, str) else "", "")
        why = why or refusal(conn, "", creator_uuid(conn, who, event))
    if why:
        raise Forbidden(why)
