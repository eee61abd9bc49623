"""Sharing groups across instances: sent with synced data as MISP JSON, recreated by
UUID on arrival (MISP's ``captureSG``). Servers are named by URL between instances;
the entry with an instance's own URL is "this instance" (server 0) there."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_list, as_uuid
from threatmesh.storage.core.tables import (
    organisations,
    servers,
    sharing_group_orgs,
    sharing_group_servers,
    sharing_groups,
)
from threatmesh.storage.sync.store import ensure_org


def _org_of(entry: Any) -> Mapping[str, Any]:
    org = entry.get("Organisation") if isinstance(entry, Mapping) else None
    return org if isinstance(org, Mapping) else {}


def _member_servers(conn: Connection, group: Mapping[str, Any], own_url: str) -> dict[int, bool]:
    """Server entries of a received group, by local server id (0: this instance);
    servers unknown here are left out."""
    urls = dict(conn.execute(sa.select(servers.c.url, servers.c.id)).all())
    out: dict[int, bool] = {}
    for entry in as_list(group.get("SharingGroupServer"), "SharingGroup.SharingGroupServer"):
        server = entry.get("Server") if isinstance(entry, Mapping) else None
        if not isinstance(server, Mapping):
            continue
        url = str(server.get("url") or "").rstrip("/")
        local = 0 if url and url == own_url.rstrip("/") else urls.get(url)
        if local is not None:
            out[int(local)] = bool(entry.get("all_orgs"))
    return out


def _create(conn: Connection, group: Mapping[str, Any], sg_uuid: str, now: int) -> int:
    """The ``sharing_groups`` row of a received group (its owner created by UUID)."""
    owner = _org_of(group)
    if not owner.get("uuid"):
        members = as_list(group.get("SharingGroupOrg"), "SharingGroup.SharingGroupOrg") or [{}]
        owner = _org_of(members[0])
    owner_uuid = (
        as_uuid(owner["uuid"], "SharingGroup.Organisation.uuid") if owner.get("uuid") else None
    )
    owner_id = ensure_org(conn, owner_uuid or str(uuidlib.uuid4()), owner.get("name"), now)
    name = str(group.get("name") or sg_uuid)[:200]
    if conn.execute(sa.select(sharing_groups.c.id).where(sharing_groups.c.name == name)).first():
        name = f"{name} ({sg_uuid[:8]})"
    row = {
        "uuid": sg_uuid,
        "name": name,
        "description": str(group.get("description") or ""),
        "releasability": str(group.get("releasability") or ""),
        "org_id": owner_id,
        "active": True,
        "roaming": bool(group.get("roaming")),
        "local": False,
        "created": now,
        "modified": now,
    }
    stmt = sharing_groups.insert().returning(sharing_groups.c.id)
    return int(conn.execute(stmt, row).scalar_one())


def capture(conn: Connection, group: Mapping[str, Any], *, own_url: str, now: int) -> int:
    """The local id of a received sharing group: found by UUID, else created with its
    member organisations (by UUID) and the servers known here."""
    sg_uuid = as_uuid(group.get("uuid"), "SharingGroup.uuid")
    q = sa.select(sharing_groups.c.id).where(sharing_groups.c.uuid == sg_uuid)
    found = conn.execute(q).scalar()
    if found is not None:
        return int(found)
    sg_id = _create(conn, group, sg_uuid, now)
    orgs = [
        _org_of(e) for e in as_list(group.get("SharingGroupOrg"), "SharingGroup.SharingGroupOrg")
    ]
    member_ids = {
        ensure_org(
            conn, as_uuid(o["uuid"], "SharingGroupOrg.Organisation.uuid"), o.get("name"), now
        )
        for o in orgs
        if o.get("uuid")
    }
    if member_ids:
        rows = [{"sharing_group_id": sg_id, "org_id": i, "extend": False} for i in member_ids]
        conn.execute(sharing_group_orgs.insert(), rows)
    listed = _member_servers(conn, group, own_url)
    if listed:
        rows2 = [
            {"sharing_group_id": sg_id, "server_id": s, "all_orgs": a} for s, a in listed.items()
        ]
        conn.execute(sharing_group_servers.insert(), rows2)
    return sg_id


def _as_json(
    g: RowMapping,
    orgs: Mapping[int, RowMapping],
    members: list[RowMapping],
    listed: list[RowMapping],
    urls: Mapping[int, tuple[str, str]],
) -> dict[str, Any]:
    def org(org_id: int) -> dict[str, Any]:
        return {"uuid": orgs[org_id]["uuid"], "name": orgs[org_id]["name"]}

    return {
        "id": str(g["id"]),
        "uuid": g["uuid"],
        "name": g["name"],
        "description": g["description"],
        "releasability": g["releasability"],
        "roaming": bool(g["roaming"]),
        "active": bool(g["active"]),
        "Organisation": org(g["org_id"]),
        "SharingGroupOrg": [
            {
                "org_id": str(m["org_id"]),
                "extend": bool(m["extend"]),
                "Organisation": org(m["org_id"]),
            }
            for m in members
        ],
        "SharingGroupServer": [
            {
                "server_id": str(s["server_id"]),
                "all_orgs": bool(s["all_orgs"]),
                "Server": {"url": urls[s["server_id"]][0], "name": urls[s["server_id"]][1]},
            }
            for s in listed
            if s["server_id"] in urls
        ],
    }


def as_json(conn: Connection, ids: Iterable[int], *, own_url: str) -> dict[str, dict[str, Any]]:
    """Sharing groups as MISP sends them with synced data, by id (as a string): the
    group, its owner, ``SharingGroupOrg`` and ``SharingGroupServer`` (server 0 is this
    instance, announced under ``own_url``)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    urls = {r.id: (r.url, r.name) for r in conn.execute(sa.select(servers))}
    urls[0] = (own_url, own_url)
    orgs = {r["id"]: r for r in conn.execute(sa.select(organisations)).mappings()}
    members: dict[int, list[RowMapping]] = {i: [] for i in wanted}
    listed: dict[int, list[RowMapping]] = {i: [] for i in wanted}
    for table, found in ((sharing_group_orgs, members), (sharing_group_servers, listed)):
        q = sa.select(table).where(table.c.sharing_group_id.in_(wanted))
        for r in conn.execute(q).mappings():
            found[r["sharing_group_id"]].append(r)
    q = sa.select(sharing_groups).where(sharing_groups.c.id.in_(wanted))
    return {
        str(g["id"]): _as_json(g, orgs, members[g["id"]], listed[g["id"]], urls)
        for g in conn.execute(q).mappings()
    }
