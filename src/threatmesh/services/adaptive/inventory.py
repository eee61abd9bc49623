"""Asset inventory use cases: an organisation's hosts, the products they run (CPE 2.3)
and their exposure; list, add, edit, delete and import (one transaction each).

Each organisation keeps its own inventory: another organisation's host answers as one
that does not exist. Writing needs ``perm_add`` (the right to create events), as the
inventory is what decoys and risk scores are computed from.
"""

from __future__ import annotations

import uuid
from typing import Any

from threatmesh.honeypots.inventory import Exposure, Host, parse_host, parse_hosts
from threatmesh.model.errors import Conflict, Forbidden, NotFound
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.inventory import hosts as store

__all__ = [
    "add_host",
    "delete_host",
    "edit_host",
    "get_host",
    "host_record",
    "import_hosts",
    "list_hosts",
]

_MISSING = "Invalid host."


def _require_write(who: Identity) -> None:
    if not who.viewer.can("perm_add"):
        raise Forbidden("You need the right to add events to manage the inventory.")


def _public(row: Row, software: list[str]) -> dict[str, Any]:
    return {
        "Host": {
            "id": str(row["id"]),
            "uuid": row["uuid"],
            "org_id": str(row["org_id"]),
            "name": row["name"],
            "exposure": row["exposure"],
            "software": software,
            "created": str(row["created"]),
            "modified": str(row["modified"]),
        }
    }


def _one(conn: Connection, who: Identity, name: str) -> Row:
    row = store.find_host(conn, who.viewer.org_id, name)
    if row is None:
        raise NotFound(_MISSING)
    return row


def list_hosts(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """The caller's organisation's hosts, by name."""
    with platform.read() as conn:
        rows = store.list_hosts(conn, who.viewer.org_id)
        software = store.software_of(conn, [int(r["id"]) for r in rows])
    return [_public(r, software[int(r["id"])]) for r in rows]


def get_host(platform: Platform, who: Identity, name: str) -> dict[str, Any]:
    """One host of the caller's organisation."""
    with platform.read() as conn:
        row = _one(conn, who, name)
        software = store.software_of(conn, [int(row["id"])])[int(row["id"])]
    return _public(row, software)


def host_record(platform: Platform, who: Identity, name: str) -> Host | None:
    """The caller's organisation's host ``name`` as an inventory record (None if none)."""
    with platform.read() as conn:
        row = store.find_host(conn, who.viewer.org_id, name)
        if row is None:
            return None
        software = store.software_of(conn, [int(row["id"])])[int(row["id"])]
    return Host(str(row["name"]), tuple(software), Exposure(row["exposure"]))


def _insert(conn: Connection, who: Identity, host: Host, now: int) -> int:
    return store.insert_host(
        conn, host.software, uuid=str(uuid.uuid4()), org_id=who.viewer.org_id,
        name=host.name, exposure=str(host.exposure), created=now, modified=now,
    )  # fmt: skip


def add_host(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Add a host (409 if the organisation already has one of that name)."""
    _require_write(who)
    host = parse_host(payload)
    with platform.write() as conn:
        if store.find_host(conn, who.viewer.org_id, host.name) is not None:
            raise Conflict(f"Host.name: the inventory already has a host {host.name!r}.")
        _insert(conn, who, host, platform.now())
    return get_host(platform, who, host.name)


def edit_host(platform: Platform, who: Identity, name: str, payload: Any) -> dict[str, Any]:
    """Replace a host's exposure and products (fields left out keep their value)."""
    _require_write(who)
    with platform.write() as conn:
        row = _one(conn, who, name)
        current = store.software_of(conn, [int(row["id"])])[int(row["id"])]
        body = payload.get("Host", payload) if isinstance(payload, dict) else payload
        merged = {"exposure": row["exposure"], "software": current}
        if isinstance(body, dict):
            merged.update({k: v for k, v in body.items() if k != "name"})
        host = parse_host(merged, name=name)
        store.update_host(conn, int(row["id"]), host.software,
                          exposure=str(host.exposure), modified=platform.now())  # fmt: skip
    return get_host(platform, who, name)


def delete_host(platform: Platform, who: Identity, name: str) -> None:
    """Remove a host from the inventory."""
    _require_write(who)
    with platform.write() as conn:
        store.delete_host(conn, int(_one(conn, who, name)["id"]))


def import_hosts(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Add or replace every host of an import document (``{"hosts": [...]}``), all or
    nothing; how many were added and updated."""
    _require_write(who)
    hosts = parse_hosts(payload)
    added = updated = 0
    now = platform.now()
    with platform.write() as conn:
        for host in hosts:
            row = store.find_host(conn, who.viewer.org_id, host.name)
            if row is None:
                _insert(conn, who, host, now)
                added += 1
            else:
                store.update_host(conn, int(row["id"]), host.software,
                                  exposure=str(host.exposure), modified=now)  # fmt: skip
                updated += 1
    return {"added": added, "updated": updated, "hosts": [h.name for h in hosts]}
