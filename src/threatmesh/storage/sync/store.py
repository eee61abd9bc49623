"""Storage of sync: organisations known by UUID, cursors, the sync log, and sightings
received from other instances (all inside the caller's transaction). Server
connections are in :mod:`threatmesh.storage.sync.servers`, sharing groups in
:mod:`threatmesh.storage.sync.groups`, what a push offers in
:mod:`threatmesh.storage.sync.outgoing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_int, as_str, as_uuid
from threatmesh.storage.core import driver
from threatmesh.storage.core.tables import attributes, events, organisations, sightings
from threatmesh.storage.sync.tables import sync_cursors, sync_failures, sync_log


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


def cursor(conn: Connection, server_id: int, direction: str) -> int:
    """How far ``direction`` syncs with ``server_id`` have got (0: never ran)."""
    q = sa.select(sync_cursors.c.position).where(
        sync_cursors.c.server_id == server_id, sync_cursors.c.direction == direction
    )
    return int(conn.execute(q).scalar() or 0)


def set_cursor(conn: Connection, server_id: int, direction: str, position: int, now: int) -> None:
    """Move the cursor (never backwards)."""
    values = {"server_id": server_id, "direction": direction, "position": position, "updated": now}
    stmt = driver.insert_ignore(conn, sync_cursors)
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


def forget_progress(conn: Connection, server_id: int, direction: str) -> None:
    """Forget the cursors, log and failures of the syncs with ``server_id`` whose
    direction starts with ``direction`` (``push`` includes ``push_sightings``)."""
    for table in (sync_cursors, sync_log, sync_failures):
        conn.execute(
            table.delete().where(
                table.c.server_id == server_id, table.c.direction.like(f"{direction}%")
            )
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


def logged(conn: Connection, server_id: int, direction: str, uuids: Sequence[str]) -> set[str]:
    """Which of the event ``uuids`` the sync log has for ``server_id`` and ``direction``."""
    q = sa.select(sync_log.c.event_uuid).where(
        sync_log.c.server_id == server_id,
        sync_log.c.direction == direction,
        sync_log.c.event_uuid.in_(list(uuids)),
    )
    return set(conn.execute(q).scalars())


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


def event_exists(conn: Connection, event_uuid: str) -> bool:
    """Whether an event (whoever may see it) has UUID ``event_uuid``."""
    q = sa.select(events.c.id).where(events.c.uuid == event_uuid.lower())
    return conn.execute(q).first() is not None


def known_sightings(conn: Connection, uuids: Sequence[str]) -> set[str]:
    """Which of the sighting ``uuids`` are stored."""
    q = sa.select(sightings.c.uuid).where(sightings.c.uuid.in_(list(uuids)))
    return set(conn.execute(q).scalars())


def _fresh_sightings(
    conn: Connection, received: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The received sightings whose UUID is not stored yet (one per UUID)."""
    by_uuid = {str(s.get("uuid", "")).lower(): s for s in received if s.get("uuid")}
    if not by_uuid:
        return []
    known = known_sightings(conn, list(by_uuid))
    return [s for u, s in by_uuid.items() if u not in known]


def _sighting_row(
    conn: Connection, s: Mapping[str, Any], target: tuple[int, int], now: int, path: str
) -> dict[str, Any]:
    org = s["Organisation"]
    return {
        "uuid": str(s["uuid"]).lower(),
        "attribute_id": target[0],
        "event_id": target[1],
        "org_id": ensure_org(
            conn, as_uuid(org["uuid"], f"{path}.Organisation.uuid"), org.get("name"), now
        ),
        "date_sighting": as_int(s.get("date_sighting") or now, f"{path}.date_sighting"),
        "source": as_str(s.get("source") or "", f"{path}.source", max_len=255),
        "type": as_int(s.get("type") or 0, f"{path}.type", allowed=frozenset({0, 1, 2})),
    }


def save_sightings(conn: Connection, received: Sequence[Mapping[str, Any]], now: int) -> int:
    """Store received sightings (MISP's ``bulkSaveSightings``): matched to attributes
    by ``attribute_uuid``, organisations by UUID; a sighting UUID already stored is
    skipped (sightings never change), one on an unknown attribute or without an
    organisation too. Returns how many were new."""
    fresh = _fresh_sightings(conn, received)
    wanted = {str(s.get("attribute_uuid", "")).lower() for s in fresh}
    q = sa.select(attributes.c.uuid, attributes.c.id, attributes.c.event_id).where(
        attributes.c.uuid.in_(wanted)
    )
    targets = {r.uuid: (r.id, r.event_id) for r in conn.execute(q)}
    rows = [
        _sighting_row(conn, s, targets[str(s.get("attribute_uuid")).lower()], now, f"Sighting[{i}]")
        for i, s in enumerate(fresh)
        if str(s.get("attribute_uuid", "")).lower() in targets
        and isinstance(s.get("Organisation"), Mapping)
        and s["Organisation"].get("uuid")
    ]
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


def host_org(conn: Connection) -> RowMapping | None:
    """The instance's host organisation: the first local one (MISP's fallback when
    ``MISP.host_org_id`` is not set; ``threatmesh admin init`` creates it)."""
    q = (
        sa.select(organisations.c.id, organisations.c.name, organisations.c.uuid)
        .where(organisations.c.local.is_(True))
        .order_by(organisations.c.id)
        .limit(1)
    )
    return conn.execute(q).mappings().first()
