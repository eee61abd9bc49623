"""Push: send our published, shareable events (and their sightings) to a remote.

MISP's push (``Server::push``, ``Event::uploadEventToServer``): ask the remote which
events it lacks or holds older (``events/filterEventIdsForPush``), then send each with
``events/add/metadata:1`` or ``events/edit/{uuid}/metadata:1``, filtered by the sync
rules for that server (:func:`threatmesh.services.sync_serve.load_for_push`).
Candidates are events changed or (re)published since the local time remembered for
the server; every event sent is logged and moves that cursor in its own transaction,
so a run killed at any point resumes after the last event the remote accepted.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.client.misp import Backoff, MispClient, RemoteError
from threatmesh.model import sync
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services import servers
from threatmesh.services.platform import Platform
from threatmesh.services.sync_receive import Progress, Report
from threatmesh.services.sync_serve import load_for_push
from threatmesh.storage import reads, sync_store
from threatmesh.storage.sync_tables import sync_log
from threatmesh.storage.tables import attributes, events, organisations, sightings


def candidates(conn: Connection, server_id: int, since: int) -> list[RowMapping]:
    """Published events of distribution 2-4 changed since ``since``, minus those
    already pushed with their current timestamp; oldest change first."""
    # The two-argument max() of SQLite is PostgreSQL's greatest().
    name = "greatest" if conn.dialect.name == "postgresql" else "max"
    key: sa.ColumnElement[int] = getattr(sa.func, name)(
        events.c.timestamp, events.c.publish_timestamp
    )
    pushed = sa.select(sync_log.c.timestamp).where(
        sync_log.c.server_id == server_id,
        sync_log.c.direction == "push",
        sync_log.c.event_uuid == events.c.uuid,
    )
    q = (
        sa.select(events.c.id, events.c.uuid, events.c.timestamp, key.label("key"))
        .where(
            events.c.published.is_(True),
            events.c.distribution.in_(sorted(sync.SYNCABLE_EVENT)),
            sa.or_(events.c.timestamp >= since, events.c.publish_timestamp >= since),
            sa.not_(sa.exists(pushed.where(sync_log.c.timestamp >= events.c.timestamp))),
        )
        .order_by(key, events.c.uuid)
    )
    return list(conn.execute(q).mappings())


def _remote_org_uuid(conn: Connection, row: RowMapping) -> str | None:
    q = sa.select(organisations.c.uuid).where(organisations.c.id == row["remote_org_id"])
    found = conn.execute(q).scalar()
    return str(found) if found else None


def _push_one(
    platform: Platform,
    client: MispClient,
    row: RowMapping,
    ev: RowMapping,
    event: dict[str, Any] | None,
    known: bool,
) -> str:
    """Send one event (``event``: what of it may go); "added", "skipped" (nothing may
    go) or the remote's refusal. A refused event is not logged: it is offered again
    when it changes."""
    sent = event is not None and sync.rules_allow(
        sync.parse_rules(row["push_rules"], "Server.push_rules"), event
    )
    if event is not None and sent:
        try:
            # Logged before: the remote has it (no HEAD round trip); else try an add.
            client.push_event(event, exists=known)
        except RemoteError as exc:
            if exc.remote_status is None or exc.remote_status >= 500:
                raise  # the remote is down: stop here, resume from this event next time
            return exc.message
    with platform.write() as conn:
        sync_store.log_synced(
            conn, row["id"], "push", [(ev["uuid"], ev["timestamp"])], platform.now()
        )
        sync_store.set_cursor(conn, row["id"], "push", int(ev["key"]), platform.now())
    return "added" if sent else "skipped"


def _push_chunk(
    platform: Platform,
    client: MispClient,
    row: RowMapping,
    chunk: list[RowMapping],
    org: str | None,
    report: Report,
) -> None:
    """Offer ``chunk`` to the remote, send what it wants, then move the cursor."""
    wanted = set(client.filter_for_push([(e["uuid"], e["timestamp"]) for e in chunk]))
    with platform.read() as conn:
        known = sync_store.logged(conn, row["id"], "push", [e["uuid"] for e in chunk])
        todo = [e["uuid"] for e in chunk if e["uuid"] in wanted]
        events_ = load_for_push(platform, conn, todo, server_id=row["id"], remote_org_uuid=org)
    for ev in chunk:
        result = (
            _push_one(platform, client, row, ev, events_[ev["uuid"]], ev["uuid"] in known)
            if ev["uuid"] in wanted
            else "skipped"
        )
        if result in ("added", "skipped"):
            getattr(report.outcome, result).append(ev["uuid"])
        else:
            report.outcome.failed[ev["uuid"]] = result
    _chunk_done(platform, row["id"], [e for e in chunk if e["uuid"] not in wanted])
    with platform.write() as conn:
        sync_store.set_cursor(conn, row["id"], "push", int(chunk[-1]["key"]), platform.now())


def _chunk_done(platform: Platform, server_id: int, unwanted: list[RowMapping]) -> None:
    """Log the events the remote already had, so they are not offered again."""
    with platform.write() as conn:
        done = [(e["uuid"], int(e["timestamp"])) for e in unwanted]
        sync_store.log_synced(conn, server_id, "push", done, platform.now())


def push(
    platform: Platform,
    server_id: int,
    *,
    batch: int = 100,
    progress: Progress | None = None,
    backoff: Backoff | None = None,
) -> Report:
    """One push run to connection ``server_id``."""
    with platform.read() as conn:
        row = sync_store.server_row(conn, server_id)
        if row is None:
            raise NotFound("Invalid server.")
        todo = candidates(conn, server_id, sync_store.cursor(conn, server_id, "push"))
        org = _remote_org_uuid(conn, row)
    if not row["push"]:
        raise InvalidInput(f"Server {server_id}: pushing is not enabled for this connection")
    report = Report(server_id, "push", listed=len(todo))
    with servers.client_for(row, backoff) as client:
        if not client.version().get("perm_sync"):
            raise RemoteError(f"{row['url']}: the remote user has no sync permission")
        for start in range(0, len(todo), batch):
            _push_chunk(platform, client, row, todo[start : start + batch], org, report)
            if progress:
                progress("push", min(len(todo), start + batch), len(todo))
        if row["push_sightings"]:
            report.outcome.sightings = push_sightings(platform, client, row, org)
    return report


def push_sightings(platform: Platform, client: MispClient, row: RowMapping, org: str | None) -> int:
    """Sightings recorded since the last run, on events this server may receive,
    sent with ``sightings/bulkSaveSightings`` (the remote drops those it has)."""
    with platform.read() as conn:
        since = sync_store.cursor(conn, row["id"], "push_sightings")
        q = (
            reads.sighting_query()
            .add_columns(
                attributes.c.uuid.label("attribute_uuid"), events.c.uuid.label("event_uuid")
            )
            .join(attributes, attributes.c.id == sightings.c.attribute_id)
            .join(events, events.c.id == sightings.c.event_id)
            .where(sightings.c.id > since)
        )
        found = list(conn.execute(q).mappings())
    by_event: dict[str, list[dict[str, Any]]] = {}
    for s in found:
        by_event.setdefault(s["event_uuid"], []).append(_sighting_json(s))
    sent = 0
    with platform.read() as conn:
        shareable = load_for_push(
            platform, conn, list(by_event), server_id=row["id"], remote_org_uuid=org
        )
    for event_uuid, items in by_event.items():
        shared = _attribute_uuids(shareable[event_uuid])
        items = [s for s in items if s["attribute_uuid"] in shared]
        wanted = (
            set(client.filter_sightings_for_push([s["uuid"] for s in items])) if items else set()
        )
        items = [s for s in items if s["uuid"] in wanted]
        if items:
            client.push_sightings(event_uuid, items)
            sent += len(items)
    if found:
        with platform.write() as conn:
            last = max(int(s["id"]) for s in found)
            sync_store.set_cursor(conn, row["id"], "push_sightings", last, platform.now())
    return sent


def _attribute_uuids(event: dict[str, Any] | None) -> set[str]:
    if event is None:
        return set()
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs += obj.get("Attribute") or []
    return {str(a["uuid"]) for a in attrs}


def _sighting_json(row: RowMapping) -> dict[str, Any]:
    return {
        "uuid": row["uuid"],
        "attribute_uuid": row["attribute_uuid"],
        "date_sighting": str(row["date_sighting"]),
        "source": row["source"],
        "type": str(row["type"]),
        "org_id": str(row["org_id"]),
        "Organisation": {"uuid": row["org_uuid"], "name": row["org_name"]},
    }
