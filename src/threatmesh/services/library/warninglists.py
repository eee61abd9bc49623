"""Warninglists: MISP's ``WarninglistsController`` (update, index, view, toggleEnable,
checkValue) and the matcher of the enabled lists that attribute reads use."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.model.library import warninglists as lib
from threatmesh.model.library.packaged import Failure
from threatmesh.model.library.warninglist_match import (
    WarninglistMatcher,
    compile_warninglist,
)
from threatmesh.services.library.outcome import admin_only, update_message
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.library import records
from threatmesh.storage.library.tables import warninglists

_NOT_FOUND = "Warninglist not found."


def _row(wl: lib.Warninglist) -> dict[str, Any]:
    return {
        "name": wl.name,
        "type": wl.type,
        "description": wl.description,
        "version": wl.version,
        "category": wl.category,
        "valid_attributes": ", ".join(wl.matching_attributes),
        "entry_count": len(wl.values),
        "data": records.pack(
            {"values": wl.values, "comments": wl.comments, "types": wl.matching_attributes}
        ),
    }


def update(platform: Platform, who: Identity) -> str:
    """``warninglists/update``: store each list of the installed ``pymispwarninglists``
    that is new or has a higher version, all in one transaction."""
    admin_only(who)
    return load(platform)


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    with platform.write() as conn:
        have = records.installed(conn, warninglists, "name")
        successes = fails = 0
        batch: list[dict[str, Any]] = []
        for item in lib.iter_warninglists():
            if isinstance(item, Failure):
                fails += 1
            elif item.name not in have or item.version > have[item.name][1]:
                batch.append(_row(item))
                successes += 1
            if len(batch) >= 8:  # a few lists at a time: the biggest holds a million values
                records.write_rows(conn, warninglists, "name", batch)
                batch = []
        records.write_rows(conn, warninglists, "name", batch)
    return update_message(
        successes,
        fails,
        none="All warninglists are up to date already.",
        some="Successfully updated %s warninglists.",
        plural="warninglists",
    )


def _public(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "type": row["type"],
        "description": row["description"],
        "version": str(row["version"]),
        "enabled": bool(row["enabled"]),
        "default": bool(row["default"]),
        "category": row["category"],
        "warninglist_entry_count": str(row["entry_count"]),
        "valid_attributes": row["valid_attributes"],
    }


def index(platform: Platform, who: Identity, named: Mapping[str, str]) -> dict[str, Any]:
    """``warninglists/index``: ``{"Warninglists": [{"Warninglist": {...}}]}``; ``value``
    (in the name or description, or the type) and ``enabled`` filter."""
    with platform.read() as conn:
        rows = records.rows(conn, warninglists)
    if "enabled" in named:
        rows = [r for r in rows if bool(r["enabled"]) == (named["enabled"] not in ("", "0"))]
    needle = named.get("value", "").lower()
    if needle:
        rows = [
            r
            for r in rows
            if needle in r["name"].lower()
            or needle in r["description"].lower()
            or needle == r["type"].lower()
        ]
    return {"Warninglists": [{"Warninglist": _public(r)} for r in rows]}


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``warninglists/view/{id}``: the list with its entries and types."""
    with platform.read() as conn:
        row = records.find(conn, warninglists, ref, "id") if ref.isdigit() else None
    if row is None:
        raise NotFound(_NOT_FOUND)
    doc = records.unpack(row["data"])
    list_id = str(row["id"])
    entries = [
        {"id": str(i), "value": v, "warninglist_id": list_id, "comment": doc["comments"].get(v)}
        for i, v in enumerate(doc["values"], 1)
    ]
    types = [
        {"id": str(i), "type": t, "warninglist_id": list_id} for i, t in enumerate(doc["types"], 1)
    ]
    return {"Warninglist": {**_public(row), "WarninglistEntry": entries, "WarninglistType": types}}


def _named_ids(conn: Connection, payload: Mapping[str, Any]) -> list[int]:
    """The lists ``toggleEnable`` names: ``id`` (one or a list), else ``name`` (one or a
    list, matched case-insensitively as MISP's ``LIKE`` does, with ``%`` wildcards)."""
    ids, names = payload.get("id"), payload.get("name")
    rows = records.rows(conn, warninglists)
    if ids not in (None, "", [], 0, "0"):
        wanted = {str(i) for i in (ids if isinstance(ids, list) else [ids])}
        return [int(r["id"]) for r in rows if str(r["id"]) in wanted]
    if names:
        patterns = [_like(str(n)) for n in (names if isinstance(names, list) else [names])]
        return [int(r["id"]) for r in rows if any(p(r["name"].lower()) for p in patterns)]
    return []


def _like(pattern: str) -> Callable[[str], Any]:
    regex = re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern.lower()),
        re.DOTALL,
    )
    return regex.fullmatch


def toggle(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``warninglists/toggleEnable``: enable or disable (``enabled``), or toggle, the
    named lists; ``{"saved": true, "success": "N warninglist(s) enabled"}``."""
    admin_only(who)
    if not isinstance(payload, Mapping):
        raise InvalidInput("request body: expected an object with id or name")
    data = payload.get("Warninglist") if isinstance(payload.get("Warninglist"), Mapping) else None
    if data is not None and "data" in data:
        payload = {"id": data["data"]}
    forced = payload.get("enabled")
    with platform.write() as conn:
        ids = _named_ids(conn, payload)
        if not ids:
            raise NotFound("Warninglist(s) not found.")
        rows = [r for r in records.rows(conn, warninglists) if int(r["id"]) in ids]
        if forced is not None:
            state = forced not in (False, 0, "0", "", "false")
            records.set_values(conn, warninglists, ids, enabled=state)
            message = "enabled" if state else "disabled"
        else:
            for r in rows:
                records.set_values(conn, warninglists, [int(r["id"])], enabled=not r["enabled"])
            message = (
                "toggled" if len(rows) > 1 else ("disabled" if rows[0]["enabled"] else "enabled")
            )
    return {"saved": True, "success": f"{len(rows)} warninglist(s) {message}"}


_CACHE: dict[tuple[Any, ...], WarninglistMatcher] = {}
_CACHE_LOCK = threading.Lock()


def matcher(platform: Platform, conn: Connection) -> WarninglistMatcher:
    """The enabled lists, compiled; kept while the set of enabled lists and their
    versions stays the same (one small query per call)."""
    rows = records.rows(conn, warninglists, enabled=True)
    key = (id(platform.engine), tuple((int(r["id"]), int(r["version"])) for r in rows))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    compiled = []
    for row in records.rows(conn, warninglists, with_data=True, enabled=True):
        doc = records.unpack(row["data"])
        wl = lib.Warninglist(
            name=row["name"],
            type=row["type"],
            description=row["description"],
            version=int(row["version"]),
            category=row["category"],
            matching_attributes=tuple(doc["types"]),
            values=tuple(doc["values"]),
        )
        compiled.append(compile_warninglist(int(row["id"]), wl))
    built = WarninglistMatcher(compiled)
    with _CACHE_LOCK:
        _CACHE.clear()  # only the current set is worth keeping
        _CACHE[key] = built
    return built


def check_values(platform: Platform, who: Identity, payload: Any) -> dict[str, Any] | list[Any]:
    """``warninglists/checkValue``: each value -> the enabled lists it hits (``[]`` when
    none is hit: MISP's empty PHP array)."""
    values = _values(payload)
    with platform.read() as conn:
        found = matcher(platform, conn).check_values(values)
    if not found:
        return []
    return {
        value: [{"id": str(wl.id), "name": wl.name, "matched": entry} for wl, entry in hits]
        for value, hits in found.items()
    }


def _values(payload: Any) -> list[str]:
    if isinstance(payload, Mapping):
        payload = payload.get("Warninglist", payload)
        if isinstance(payload, Mapping):
            payload = payload.get("[]", payload.get("value", []))
    items: Iterable[Any] = payload if isinstance(payload, list) else [payload]
    values = [v for v in items if isinstance(v, str)]
    if not values:
        raise InvalidInput("No valid data received: expected a list of values")
    return values


def enforcer(platform: Platform) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What ``enforceWarninglist`` does to a search's events: a function dropping the
    attributes (also in objects) that hit an enabled list for their type, MISP's
    ``filterWarninglistAttributes``. The lists are read once, when this is called."""
    with platform.read() as conn:
        lists = matcher(platform, conn)

    def passes(attribute: Mapping[str, Any]) -> bool:
        return lists.passes(str(attribute.get("type")), str(attribute.get("value")))

    def enforce(event: dict[str, Any]) -> dict[str, Any]:
        event["Attribute"] = [a for a in event.get("Attribute") or () if passes(a)]
        for obj in event.get("Object") or ():
            obj["Attribute"] = [a for a in obj.get("Attribute") or () if passes(a)]
        return event

    return enforce
