"""Storage of sync: organisations and sharing groups known by UUID, cursors, the sync
log, and sightings received from other instances (all inside the caller's transaction).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage import writes
from threatmesh.storage.sync_tables import sync_cursors, sync_log
from threatmesh.storage.tables import (
    attributes,
    events,
    organisations,
    servers,
    sharing_group_orgs,
    sharing_group_servers,
    sharing_groups,
    sightings,
)


def server_row(conn: Connection, server_id: int) -> RowMapping | None:
    """The ``servers`` row ``server_id``."""
    return conn.execute(sa.select(servers).where(servers.c.id == server_id)).mappings().first()


def ensure_org(conn: Connection, org_uuid: str, name: str | None, now: int) -> int:
    """The local id of organisation ``org_uuid``, created (as non-local) if unknown, as
    MISP's ``captureOrg`` does. A name already used by another UUID gets a suffix."""
    org_uuid = org_uuid.lower()
    found = conn.execute(
        sa.select(organisations.c.id).where(organisations.c.uuid == org_uuid)
    ).scalar()
    if found is not None:
        return int(found)
    base = (name or "").strip()[:200] or f"Organisation {org_uuid[:8]}"
    clash = conn.execute(sa.select(organisations.c.id).where(organisations.c.name == base)).first()
    row = {
        "uuid": org_uuid,
        "name": f"{base} ({org_uuid[:8]})" if clash else base,
        "local": False,
        "date_created": now,
        "date_modified": now,
    }
    return int(conn.execute(organisations.insert().returning(organisations.c.id), row).scalar_one())


def _org_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    org = entry.get("Organisation")
    return org if isinstance(org, Mapping) else {}


def _member_servers(conn: Connection, group: Mapping[str, Any], own_url: str) -> dict[int, bool]:
    """Server entries of a received group, by local server id (0: this instance)."""
    urls = dict(conn.execute(sa.select(servers.c.url, servers.c.id)).all())
    out: dict[int, bool] = {}
    for entry in group.get("SharingGroupServer") or []:
        url = str((entry.get("Server") or {}).get("url") or "").rstrip("/")
        local = 0 if url and url == own_url.rstrip("/") else urls.get(url)
        if local is not None:
            out[int(local)] = bool(entry.get("all_orgs"))
    return out


def capture_sharing_group(
    conn: Connection, group: Mapping[str, Any], *, own_url: str, now: int
) -> int:
    """The local id of a received sharing group (MISP's ``captureSG``): found by UUID,
    else created with its organisations (by UUID) and the servers known here."""
    sg_uuid = str(group.get("uuid") or "").lower()
    if len(sg_uuid) != 36:
        raise ValueError("a received sharing group needs a UUID")
    found = conn.execute(
        sa.select(sharing_groups.c.id).where(sharing_groups.c.uuid == sg_uuid)
    ).scalar()
    if found is not None:
        return int(found)
    owner = _org_of(group)
    orgs = [_org_of(e) for e in group.get("SharingGroupOrg") or []]
    if not owner.get("uuid"):
        owner = orgs[0] if orgs else {}
    owner_id = ensure_org(conn, str(owner.get("uuid") or uuidlib.uuid4()), owner.get("name"), now)
    name = str(group.get("name") or sg_uuid)[:200]
    if conn.execute(sa.select(sharing_groups.c.id).where(sharing_groups.c.name == name)).first():
        name = f"{name} ({sg_uuid[:8]})"
    sg_id = int(
        conn.execute(
            sharing_groups.insert().returning(sharing_groups.c.id),
            {
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
            },
        ).scalar_one()
    )
    member_ids = {
        ensure_org(conn, str(o["uuid"]), o.get("name"), now) for o in orgs if o.get("uuid")
    }
    if member_ids:
        conn.execute(
            sharing_group_orgs.insert(),
            [{"sharing_group_id": sg_id, "org_id": i, "extend": False} for i in sorted(member_ids)],
        )
    members = _member_servers(conn, group, own_url)
    if members:
        conn.execute(
            sharing_group_servers.insert(),
            [
                {"sharing_group_id": sg_id, "server_id": s, "all_orgs": a}
                for s, a in sorted(members.items())
            ],
        )
    return sg_id


def sharing_group_json(
    conn: Connection, ids: Iterable[int], *, own_url: str
) -> dict[str, dict[str, Any]]:
    """Sharing groups as MISP sends them with synced data, by id (as a string): the
    group, its owner, ``SharingGroupOrg`` and ``SharingGroupServer`` (server 0 is this
    instance, announced under ``own_url``)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    urls = {r.id: (r.url, r.name) for r in conn.execute(sa.select(servers))}
    urls[0] = (own_url, own_url)
    org_rows = {r["id"]: r for r in conn.execute(sa.select(organisations)).mappings()}
    out: dict[str, dict[str, Any]] = {}
    for g in conn.execute(
        sa.select(sharing_groups).where(sharing_groups.c.id.in_(wanted))
    ).mappings():
        members = conn.execute(
            sa.select(sharing_group_orgs).where(sharing_group_orgs.c.sharing_group_id == g["id"])
        ).mappings()
        listed = conn.execute(
            sa.select(sharing_group_servers).where(
                sharing_group_servers.c.sharing_group_id == g["id"]
            )
        ).mappings()
        owner = org_rows[g["org_id"]]
        out[str(g["id"])] = {
            "id": str(g["id"]),
            "uuid": g["uuid"],
            "name": g["name"],
            "description": g["description"],
            "releasability": g["releasability"],
            "roaming": bool(g["roaming"]),
            "active": bool(g["active"]),
            "Organisation": {"uuid": owner["uuid"], "name": owner["name"]},
            "SharingGroupOrg": [
                {
                    "org_id": str(m["org_id"]),
                    "extend": bool(m["extend"]),
                    "Organisation": {
                        "uuid": org_rows[m["org_id"]]["uuid"],
                        "name": org_rows[m["org_id"]]["name"],
                    },
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
    return out


def cursor(conn: Connection, server_id: int, direction: str) -> int:
    """How far ``direction`` syncs with ``server_id`` have got (0: never ran)."""
    q = sa.select(sync_cursors.c.position).where(
        sync_cursors.c.server_id == server_id, sync_cursors.c.direction == direction
    )
    return int(conn.execute(q).scalar() or 0)


def set_cursor(conn: Connection, server_id: int, direction: str, position: int, now: int) -> None:
    """Move the cursor (never backwards)."""
    values = {"server_id": server_id, "direction": direction, "position": position, "updated": now}
    stmt = writes.insert_ignore(conn, sync_cursors)
    conn.execute(stmt, values)
    conn.execute(
        sync_cursors.update()
        .where(
            sync_cursors.c.server_id == server_id,
            sync_cursors.c.direction == direction,
            sync_cursors.c.position < position,
        )
        .values(position=position, updated=now)
    )


def log_synced(
    conn: Connection, server_id: int, direction: str, done: Sequence[tuple[str, int]], now: int
) -> None:
    """Record that events (uuid, timestamp) were synced with ``server_id``."""
    if not done:
        return
    uuids = [u for u, _ in done]
    conn.execute(
        sync_log.delete().where(
            sync_log.c.server_id == server_id,
            sync_log.c.direction == direction,
            sync_log.c.event_uuid.in_(uuids),
        )
    )
    conn.execute(
        sync_log.insert(),
        [
            {
                "server_id": server_id,
                "direction": direction,
                "event_uuid": u,
                "timestamp": t,
                "synced": now,
            }
            for u, t in done
        ],
    )


def event_stamps(conn: Connection, uuids: Sequence[str]) -> dict[str, RowMapping]:
    """``id``, ``timestamp``, ``locked``, ``org_id``, ``orgc_id`` of the local events
    among ``uuids``."""
    out: dict[str, RowMapping] = {}
    cols = (
        events.c.uuid,
        events.c.id,
        events.c.timestamp,
        events.c.locked,
        events.c.org_id,
        events.c.orgc_id,
        events.c.user_id,
        events.c.distribution,
        events.c.sharing_group_id,
        events.c.published,
    )
    for i in range(0, len(uuids), 500):
        q = sa.select(*cols).where(events.c.uuid.in_([u.lower() for u in uuids[i : i + 500]]))
        out.update({r["uuid"]: r for r in conn.execute(q).mappings()})
    return out


def save_sightings(conn: Connection, received: Sequence[Mapping[str, Any]], now: int) -> int:
    """Store received sightings (MISP's ``bulkSaveSightings``): matched to attributes
    by ``attribute_uuid``, organisations by UUID; a sighting UUID already stored is
    skipped (sightings never change). Returns how many were new."""
    by_uuid = {str(s.get("uuid", "")).lower(): s for s in received if s.get("uuid")}
    if not by_uuid:
        return 0
    known = set(
        conn.execute(
            sa.select(sightings.c.uuid).where(sightings.c.uuid.in_(list(by_uuid)))
        ).scalars()
    )
    fresh = [s for u, s in by_uuid.items() if u not in known]
    targets = {
        r.uuid: (r.id, r.event_id)
        for r in conn.execute(
            sa.select(attributes.c.uuid, attributes.c.id, attributes.c.event_id).where(
                attributes.c.uuid.in_({str(s.get("attribute_uuid", "")).lower() for s in fresh})
            )
        )
    }
    rows = []
    for s in fresh:
        target = targets.get(str(s.get("attribute_uuid", "")).lower())
        org = s.get("Organisation") or {}
        if target is None or not org.get("uuid"):
            continue
        rows.append(
            {
                "uuid": str(s["uuid"]).lower(),
                "attribute_id": target[0],
                "event_id": target[1],
                "org_id": ensure_org(conn, str(org["uuid"]), org.get("name"), now),
                "date_sighting": int(s.get("date_sighting") or now),
                "source": str(s.get("source") or "")[:255],
                "type": int(s.get("type") or 0),
            }
        )
    if rows:
        conn.execute(sightings.insert(), rows)
        for eid in {r["event_id"] for r in rows}:
            latest = max(r["date_sighting"] for r in rows if r["event_id"] == eid)
            conn.execute(
                events.update()
                .where(events.c.id == eid, events.c.sighting_timestamp < latest)
                .values(sighting_timestamp=latest)
            )
    return len(rows)
