"""What this instance sends out: events served to remote sync users (pull from us)
and events prepared for a push, both through MISP's sync rules and the egress hook.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from threatmesh.model import sync
from threatmesh.model.access import Viewer
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import NotFound
from threatmesh.model.query import Query
from threatmesh.services import egress
from threatmesh.services.events import view_event
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage import acl, bulk_reads, directory, reads, sync_groups
from threatmesh.storage.tables import events

#: Reads the whole instance, as the sync process does when it pushes.
INSTANCE = Viewer(
    user_id=0,
    org_id=0,
    role_id=0,
    site_admin=True,
    sharing_group_ids=frozenset(),
    perms=frozenset({"perm_site_admin"}),
)


def is_sync_user(who: Identity) -> bool:
    """A remote instance's sync account: ``perm_sync`` without site admin."""
    return "perm_sync" in who.viewer.perms and not who.viewer.site_admin


def group_ids(event: Mapping[str, Any]) -> set[int]:
    """Sharing groups used anywhere in a MISP JSON event."""
    items: list[Mapping[str, Any]] = [event, *(event.get("Attribute") or [])]
    for obj in event.get("Object") or []:
        items += [obj, *(obj.get("Attribute") or [])]
    return {
        int(i["sharing_group_id"])
        for i in items
        if str(i.get("distribution")) == str(int(Distribution.SHARING_GROUP))
    }


def index_query(who: Identity, q: Query) -> Query:
    """A sync user lists only what sync may send: published events of distribution
    2, 3 or 4."""
    if not is_sync_user(who):
        return q
    allowed = tuple(sorted(sync.SYNCABLE_EVENT & set(q.distribution or sync.SYNCABLE_EVENT)))
    return dataclasses.replace(q, published=True, distribution=allowed or (-1,))


def serve_event(platform: Platform, who: Identity, ref: str, **opts: bool) -> dict[str, Any]:
    """``events/view`` and each event of ``events/restSearch``: as usual, except for a
    sync user, who gets only what MISP's sync rules let leave (deleted content
    included, so deletions propagate), through the egress hook."""
    if not is_sync_user(who):
        return view_event(platform, who, ref, **opts)
    event = view_event(
        platform,
        who,
        ref,
        include_deleted=True,
        include_correlations=False,
        include_sightings=True,
    )
    with platform.read() as conn:
        groups = sync_groups.as_json(conn, group_ids(event), own_url=platform.base_url)
        out = sync.outgoing(event, groups, keep_sightings=True)
        if out is None:
            raise NotFound("Invalid event.")
        org = directory.find_org(conn, who.viewer.org_id)
        org_uuid = str(org["uuid"]) if org else None
        recipient = egress.Recipient("organisation", org_uuid or "", org_uuid)
        return egress.outbound(platform, conn, out, recipient)


def serve_many(platform: Platform, who: Identity, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
    """:func:`serve_event` for a sync user and a page of event ids, read in a few
    statements (events deleted or hidden meanwhile are left out)."""
    opts = platform.read_options(
        include_deleted=True, include_correlations=False, include_sightings=True
    )
    visible = acl.event_visible(who.viewer, unpublished_private=platform.unpublished_private)
    with platform.read() as conn:
        q = reads.event_query().where(events.c.id.in_(list(ids)), visible)
        rows = {r["id"]: r for r in conn.execute(q).mappings()}
        loaded = bulk_reads.load_events(conn, who.viewer, [rows[i] for i in ids if i in rows], opts)
        used = set().union(*(group_ids(e) for e in loaded)) if loaded else set()
        groups = sync_groups.as_json(conn, used, own_url=platform.base_url)
        org = directory.find_org(conn, who.viewer.org_id)
        org_uuid = str(org["uuid"]) if org else None
        recipient = egress.Recipient("organisation", org_uuid or "", org_uuid)
        for event in loaded:
            out = sync.outgoing(event, groups, keep_sightings=True)
            if out is not None:
                yield egress.outbound(platform, conn, out, recipient)


def load_for_push(
    platform: Platform,
    conn: Connection,
    uuids: Sequence[str],
    *,
    server_id: int,
    remote_org_uuid: str | None,
) -> dict[str, dict[str, Any] | None]:
    """Events ``uuids`` as pushed to ``server_id`` (None for those nothing of may go):
    filtered by MISP's rules, downgraded as MISP's sender does (2 -> 1), through the
    egress hook; read together (:mod:`threatmesh.storage.bulk_reads`)."""
    q = reads.event_query().where(events.c.uuid.in_(list(uuids)))
    rows = list(conn.execute(q).mappings())
    opts = platform.read_options(
        include_deleted=True, include_correlations=False, include_sightings=False
    )
    loaded = bulk_reads.load_events(conn, INSTANCE, rows, opts)
    used = set().union(*(group_ids(e) for e in loaded)) if loaded else set()
    groups = sync_groups.as_json(conn, used, own_url=platform.base_url)

    def reaches(group: Mapping[str, Any]) -> bool:
        return sync.sharing_group_reaches_server(group, server_id, remote_org_uuid)

    recipient = egress.Recipient("server", str(server_id), remote_org_uuid)
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(uuids)
    for event in loaded:
        shareable = sync.outgoing(event, groups, allows=reaches)
        if shareable is not None:
            shareable = sync.incoming(shareable, pulled=False)
            out[event["uuid"]] = egress.outbound(platform, conn, shareable, recipient)
    return out
