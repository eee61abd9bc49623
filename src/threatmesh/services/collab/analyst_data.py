"""``analyst_data/*`` (MISP's ``AnalystDataController``): notes, opinions and
relationships attached to anything by UUID, with MISP's access rules.

A record is seen by its owner organisation (``org_uuid``), by everyone when its
distribution is 1-3, and by the members of its sharing group at 4
(``AnalystData::buildConditions``); only its creator organisation (``orgc_uuid``) and
site admins change or delete it (``ACLComponent::canEditAnalystData``). A user who is not
a site admin always creates as its own organisation. Records nested in a record (an
opinion on a note) or in an event, attribute or object of ``events/add`` are stored
with it (``Event::captureAnalystData``), and views show what is attached, recursively.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.formats.fields import as_int, as_str, as_uuid, uuid_or_new
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound
from threatmesh.services.collab.common import misp_datetime, require
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.collab import analyst_data as stored
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory.organisations import org_uuid

KINDS = ("Note", "Opinion", "Relationship")
#: What a record may be attached to (PyMISP's ``valid_object_type``).
TARGETS = frozenset(
    {"Attribute", "Event", "EventReport", "GalaxyCluster", "Galaxy", "Object", "Note",
     "Opinion", "Relationship", "Organisation", "SharingGroup"}
)  # fmt: skip
#: The columns each kind adds to the common ones.
OWN_FIELDS = {
    "Note": ("note", "language"),
    "Opinion": ("opinion", "comment"),
    "Relationship": ("relationship_type", "related_object_uuid", "related_object_type"),
}
_DEPTH = 5  # nesting shown in a view (an opinion on a note on a note...)
_DISTRIBUTIONS = frozenset(range(5))


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts, as the rules need it: identity and organisation UUID."""

    who: Identity
    org_uuid: str

    def sees(self, row: Row) -> bool:
        """``AnalystData::buildConditions``."""
        v = self.who.viewer
        if v.site_admin or row["org_uuid"] == self.org_uuid:
            return True
        if 0 < row["distribution"] < Distribution.SHARING_GROUP:
            return True
        dist, sg = row["distribution"], row["sharing_group_id"]
        return dist == Distribution.SHARING_GROUP and sg in v.sharing_group_ids

    def edits(self, row: Row) -> bool:
        """``ACLComponent::canEditAnalystData``."""
        return self.who.viewer.site_admin or row["orgc_uuid"] == self.org_uuid


def caller(conn: Connection, who: Identity) -> Caller:
    """``who`` with its organisation's UUID."""
    return Caller(who, org_uuid(conn, who.viewer.org_id) or "")


def public(row: Row) -> dict[str, Any]:
    """A record as MISP shows it (without what is attached to it)."""
    out = {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "object_uuid": row["object_uuid"],
        "object_type": row["object_type"],
        "authors": row["authors"],
        "org_uuid": row["org_uuid"],
        "orgc_uuid": row["orgc_uuid"],
        "created": misp_datetime(int(row["created"])),
        "modified": misp_datetime(int(row["modified"])),
        "distribution": str(row["distribution"]),
        "sharing_group_id": str(row["sharing_group_id"]) if row["sharing_group_id"] else None,
        "locked": bool(row["locked"]),
        "note_type_name": row["kind"],
    }
    out |= {f: row[f] for f in OWN_FIELDS[row["kind"]]}
    return out


Attached = dict[str, dict[str, list[dict[str, Any]]]]


def attached(conn: Connection, me: Caller, uuids: Iterable[str], depth: int = _DEPTH) -> Attached:
    """What ``me`` sees attached to each of ``uuids``: ``{uuid: {"Note": [...], ...}}``,
    each record with what is attached to it in turn."""
    rows = [r for r in stored.attached_to(conn, uuids) if me.sees(r)]
    below = attached(conn, me, [r["uuid"] for r in rows], depth - 1) if rows and depth else {}
    out: Attached = {}
    for r in rows:
        item = public(r) | below.get(r["uuid"], {})
        out.setdefault(r["object_uuid"], {}).setdefault(r["kind"], []).append(item)
    return out


def _kind(raw: str) -> str:
    if raw not in KINDS:
        raise InvalidInput(f"{raw!r} is not one of {', '.join(KINDS)}")
    return raw


def _common(me: Caller, data: Mapping[str, Any], kind: str, new: bool) -> dict[str, Any]:
    path = kind
    out: dict[str, Any] = {}
    if new or "distribution" in data:
        raw = data.get("distribution")
        dist = (
            1 if raw in (None, "") else as_int(raw, f"{path}.distribution", allowed=_DISTRIBUTIONS)
        )
        out["distribution"], out["sharing_group_id"] = dist, 0
        if dist == Distribution.SHARING_GROUP:
            sg = as_int(data.get("sharing_group_id"), f"{path}.sharing_group_id")
            v = me.who.viewer
            if not (v.site_admin or sg in v.sharing_group_ids):
                raise InvalidInput(f"{path}.sharing_group_id: no sharing group {sg}")
            out["sharing_group_id"] = sg
    if new or "authors" in data:
        out["authors"] = as_str(data.get("authors") or "", f"{path}.authors", max_len=65535)
    for f in OWN_FIELDS[kind]:
        if new or f in data:
            out[f] = _own(kind, f, data.get(f))
    return out


def _own(kind: str, field: str, value: Any) -> Any:
    path = f"{kind}.{field}"
    if field == "opinion":
        if value in (None, ""):
            raise InvalidInput(f"{path}: an opinion is a number from 0 to 100")
        return as_int(value, path, allowed=frozenset(range(101)))
    if field == "note" and value in (None, ""):
        raise InvalidInput(f"{path}: a note needs its text")
    if field == "related_object_uuid":
        return as_uuid(value, path)  # a relationship points at something
    if field == "related_object_type" and value not in TARGETS:
        raise InvalidInput(f"{path}: {value!r} is not a valid target type")
    if value is None:
        return None
    return as_str(value, path, max_len=255 if field != "note" and field != "comment" else None)


def _new(me: Caller, kind: str, data: Mapping[str, Any], now: int) -> dict[str, Any]:
    """The row of a new record of ``kind`` from ``data`` (validated)."""
    object_uuid = as_uuid(data.get("object_uuid"), f"{kind}.object_uuid")
    object_type = as_str(data.get("object_type") or "", f"{kind}.object_type")
    if object_type not in TARGETS:
        raise InvalidInput(f"{kind}.object_type: {object_type!r} is not a valid target type")
    orgc = data.get("orgc_uuid")
    if not (me.who.viewer.site_admin and isinstance(orgc, str) and orgc):
        orgc = me.org_uuid  # only a site admin creates on behalf of another organisation
    row = _common(me, data, kind, new=True)
    row |= {"kind": kind, "object_uuid": object_uuid, "object_type": object_type}
    row |= {"org_uuid": me.org_uuid, "orgc_uuid": orgc.lower(), "created": now, "modified": now}
    return row | {"uuid": uuid_or_new(data, kind)}


def nested(data: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The records nested in ``data`` (``Note``, ``Opinion``, ``Relationship`` lists)."""
    for kind in KINDS:
        items = data.get(kind)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, Mapping):
                yield kind, item


def capture(
    conn: Connection,
    me: Caller,
    kind: str,
    data: Mapping[str, Any],
    now: int,
    parent: tuple[str, str] | None = None,
) -> Row | None:
    """Store the record ``data`` of ``kind`` and what is nested in it: new UUIDs are
    added, known ones the caller may edit are updated, others left alone (MISP's
    ``captureAnalystData``). ``parent`` (UUID, type): what a nested record defaults to
    being attached to. The stored row, or None when left alone."""
    if parent is not None:
        data = {"object_uuid": parent[0], "object_type": parent[1], **data}
    known = stored.find(conn, None, str(data["uuid"])) if data.get("uuid") else None
    if known is None:
        row_id = stored.insert(conn, _new(me, kind, data, now))
    elif known["kind"] == kind and me.edits(known):
        row_id = int(known["id"])
        stored.update(conn, row_id, _common(me, data, kind, new=False) | {"modified": now})
    else:
        return None
    row = stored.find(conn, None, str(row_id))
    assert row is not None
    for child_kind, child in nested(data):
        capture(conn, me, child_kind, child, now, (row["uuid"], kind))
    return row


def capture_event(conn: Connection, who: Identity, payload: Any, event_uuid: str, now: int) -> None:
    """Store the records nested in an ``events/add`` or ``events/edit`` payload: in the
    event, its attributes, its objects and their attributes."""
    event = payload.get("Event", payload) if isinstance(payload, Mapping) else {}
    if not isinstance(event, Mapping):
        return
    holders: list[tuple[Mapping[str, Any], str, str]] = [(event, event_uuid, "Event")]
    for obj in event.get("Object") or ():
        if isinstance(obj, Mapping):
            holders.append((obj, str(obj.get("uuid") or ""), "Object"))
            holders += [
                (a, str(a.get("uuid") or ""), "Attribute") for a in _dicts(obj, "Attribute")
            ]
    holders += [(a, str(a.get("uuid") or ""), "Attribute") for a in _dicts(event, "Attribute")]
    found = [(h, u, k, c) for h, u, k in holders for c in nested(h)]
    if not found:
        return  # most events carry none: no lookup of the caller's organisation
    me = caller(conn, who)
    for _, uuid, kind, (child_kind, child) in found:
        capture(conn, me, child_kind, child, now, (uuid.lower(), kind) if uuid else None)


def _dicts(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def decorate_event(conn: Connection, who: Identity, event: dict[str, Any]) -> None:
    """Add to an event view the records the caller sees on the event, its attributes
    and objects (``Note``, ``Opinion``, ``Relationship``; absent when there are none)."""
    if not stored.any_stored(conn):
        return  # one probe instead of a lookup per 500 attributes on most instances
    targets: list[dict[str, Any]] = [event]
    for obj in event.get("Object") or ():
        targets += [obj, *(obj.get("Attribute") or ())]
    targets += event.get("Attribute") or []
    found = attached(conn, caller(conn, who), [str(t["uuid"]) for t in targets if t.get("uuid")])
    if not found:
        return
    for target in targets:
        target.update(found.get(str(target.get("uuid")), {}))


def _with_attached(conn: Connection, me: Caller, row: Row) -> dict[str, Any]:
    """``{kind: record}``, the record with what is attached to it."""
    below = attached(conn, me, [row["uuid"]]).get(row["uuid"], {})
    return {str(row["kind"]): public(row) | below}


def _visible(conn: Connection, me: Caller, kind: str | None, ref: str) -> Row:
    row = stored.find(conn, kind, ref)
    if row is None or not me.sees(row):
        raise NotFound(f"Invalid {kind or 'analyst data'}.")
    return row


def add(
    platform: Platform, who: Identity, kind: str, object_uuid: str, object_type: str, body: Any
) -> dict[str, Any]:
    """``analyst_data/add/{kind}/{object_uuid}/{object_type}``: attach a record to
    anything (it need not exist here, as in MISP)."""
    require(who, "perm_add", "perm_analyst_data")
    kind = _kind(kind)
    data = body.get(kind, body) if isinstance(body, Mapping) else {}
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{kind}: expected a JSON object")
    data = {**data, "object_uuid": object_uuid, "object_type": object_type}
    with platform.write() as conn:
        me = caller(conn, who)
        row = capture(conn, me, kind, data, platform.now())
        if row is None:
            raise Forbidden("You are not authorised to do that.")
        return _with_attached(conn, me, row)


def view(platform: Platform, who: Identity, kind: str, ref: str) -> dict[str, Any]:
    """One record (``kind`` "all": whatever it is) with what is attached to it."""
    with platform.read() as conn:
        me = caller(conn, who)
        row = _visible(conn, me, None if kind == "all" else _kind(kind), ref)
        return _with_attached(conn, me, row)


def edit(platform: Platform, who: Identity, kind: str, ref: str, body: Any) -> dict[str, Any]:
    """Change a record the caller's organisation created (and store what is nested)."""
    require(who, "perm_add", "perm_analyst_data")
    with platform.write() as conn:
        me = caller(conn, who)
        row = _visible(conn, me, None if kind == "all" else _kind(kind), ref)
        if not me.edits(row):
            raise Forbidden("You are not authorised to do that.")
        data = body.get(row["kind"], body) if isinstance(body, Mapping) else {}
        fields = {k: v for k, v in data.items() if k not in ("uuid", "object_uuid", "object_type")}
        captured = capture(conn, me, row["kind"], {**fields, "uuid": row["uuid"]}, platform.now())
        assert captured is not None
        return {
            row["kind"]: public(captured) | attached(conn, me, [row["uuid"]]).get(row["uuid"], {})
        }


def delete(platform: Platform, who: Identity, kind: str, ref: str) -> str:
    """Remove a record the caller's organisation created; its kind."""
    require(who, "perm_add", "perm_analyst_data")
    with platform.write() as conn:
        me = caller(conn, who)
        row = _visible(conn, me, None if kind == "all" else _kind(kind), ref)
        if not me.edits(row):
            raise Forbidden("You are not authorised to do that.")
        stored.delete(conn, int(row["id"]))
        return str(row["kind"])
