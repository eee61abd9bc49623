"""What this instance sends out: events served to remote sync users (pull from us)
and events prepared for a push, both through MISP's sync rules and the egress hook.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmesh.formats.misp_types import as_json
from threatmesh.model import sync
from threatmesh.model.access import Viewer
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Forbidden, NotFound, ThreatmeshError
from threatmesh.model.query import Query
from threatmesh.services.anonymizer import egress
from threatmesh.services.events import attachments
from threatmesh.services.events.events import view_event
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import failures as sync_failures
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import bulk_reads
from threatmesh.storage.sync import failures as failure_store
from threatmesh.storage.sync import groups as sync_groups
from threatmesh.storage.sync import outgoing
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync.failures import Failure

#: Reads the whole instance, as the sync process does when it pushes.
INSTANCE = Viewer(
    user_id=0,
    org_id=0,
    role_id=0,
    site_admin=True,
    sharing_group_ids=frozenset(),
    perms=frozenset({"perm_site_admin"}),
)


class NotReleased(Forbidden):
    """An event a remote sync user may have, but that cannot leave for it (the
    anonymizer could not process it, or the privacy budget is spent)."""

    name = "Event not released"


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


def servable(platform: Platform) -> frozenset[int]:
    """The event distributions served to a remote sync user: 1 (this community, unless
    the instance is strict: ``sync_serve_community``), 2, 3 and 4."""
    extra = sync.COMMUNITY if platform.sync_serve_community else frozenset()
    return sync.SYNCABLE_EVENT | extra


def index_query(platform: Platform, who: Identity, q: Query) -> Query:
    """A sync user lists only what sync may send it: published events of the
    :func:`servable` distributions."""
    if not is_sync_user(who):
        return q
    levels = servable(platform)
    allowed = tuple(sorted(levels & set(q.distribution or levels)))
    return dataclasses.replace(q, published=True, distribution=allowed or (-1,))


def recipients(conn: Connection, viewer: Viewer) -> list[egress.Recipient]:
    """Whom a remote sync user's pull is for. A MISP deployment gives each remote
    instance a sync user in that instance's host organisation, and the connection to
    that instance (``servers``) names the same organisation as its remote organisation:
    so the recipients are those connections (all of them, if several name it: which
    instance is pulling cannot be told apart, so the policies of all of them apply),
    else the sync user's organisation. Policies bound to them, or to the organisation,
    then apply exactly as they do to a push (:func:`egress.outbound`)."""
    org = directory.find_org(conn, viewer.org_id)
    org_uuid = str(org["uuid"]).lower() if org else None
    ids = server_rows.servers_of_org(conn, viewer.org_id)
    if ids:
        return [egress.Recipient("server", str(i), org_uuid) for i in ids]
    return [egress.Recipient("organisation", org_uuid or "", org_uuid)]


def _audience(found: list[egress.Recipient]) -> egress.Recipient | list[egress.Recipient]:
    return found[0] if len(found) == 1 else found


def _label(to: list[egress.Recipient]) -> str:
    return ", ".join(r.label() for r in to)


def _not_served(
    platform: Platform, to: list[egress.Recipient], event: Mapping[str, Any], exc: ThreatmeshError
) -> None:
    """Record (for this instance's admin) that ``event`` could not be served to ``to``."""
    server_id = next((int(r.ident) for r in to if r.kind == "server"), None)
    failure = Failure(
        "serve",
        _label(to),
        server_id,
        str(event.get("uuid")),
        int(event.get("timestamp") or 0),
        exc.message,
    )
    sync_failures.report(platform, failure, retry=False)


def _served(platform: Platform, to: list[egress.Recipient], uuids: list[str]) -> None:
    """Events ``uuids`` were served to ``to``: forget earlier failures to serve them
    (a cheap read first: there are usually none to forget)."""
    with platform.read() as conn:
        if not uuids or not failure_store.pending(conn, "serve", _label(to)):
            return
    with platform.write() as conn:
        failure_store.clear(conn, "serve", _label(to), uuids)


def _release(
    platform: Platform, conn: Connection, to: list[egress.Recipient], event: dict[str, Any]
) -> dict[str, Any] | None:
    """``event`` through the egress hook for ``to``; None (recorded) if it cannot leave."""
    try:
        out = egress.outbound(platform, conn, event, _audience(to))
    except ThreatmeshError as exc:
        _not_served(platform, to, event, exc)
        return None
    return attachments.released(platform.attachments, event, out)


def serve_event(platform: Platform, who: Identity, ref: str, **opts: bool) -> dict[str, Any]:
    """``events/view`` and each event of ``events/restSearch``: as usual, except for a
    sync user, who gets only what MISP's sync rules let leave (deleted content
    included, so deletions propagate), through the egress hook. An event the hook
    cannot release is recorded for this instance's admin and answers 403."""
    if not is_sync_user(who):
        return as_json(view_event(platform, who, ref, **opts))
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
        community = platform.sync_serve_community
        out = sync.outgoing(event, groups, keep_sightings=True, community=community)
        if out is None:
            raise NotFound("Invalid event.")
        to = recipients(conn, who.viewer)
        released = _release(platform, conn, to, out)
    if released is None:
        raise NotReleased(
            f"Event {event['uuid']} could not be prepared for your instance; the reason "
            "is recorded on this instance for its administrator."
        )
    _served(platform, to, [str(event["uuid"])])
    return released


def serve_many(platform: Platform, who: Identity, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
    """:func:`serve_event` for a sync user and a page of event ids, read in a few
    statements (events deleted or hidden meanwhile are left out). The page is prepared
    whole before its first event is sent: an event that cannot leave is recorded for
    this instance's admin and left out, and never cuts a streamed answer short."""
    opts = platform.read_options(
        include_deleted=True, include_correlations=False, include_sightings=True
    )
    page: list[dict[str, Any]] = []
    with platform.read() as conn:
        found = outgoing.visible_event_rows(
            conn, who.viewer, ids, unpublished_private=platform.unpublished_private
        )
        rows = {r["id"]: r for r in found}
        loaded = bulk_reads.load_events(conn, who.viewer, [rows[i] for i in ids if i in rows], opts)
        used = set().union(*(group_ids(e) for e in loaded)) if loaded else set()
        groups = sync_groups.as_json(conn, used, own_url=platform.base_url)
        to = recipients(conn, who.viewer)
        community = platform.sync_serve_community
        for event in loaded:
            out = sync.outgoing(event, groups, keep_sightings=True, community=community)
            released = None if out is None else _release(platform, conn, to, out)
            if released is not None:
                page.append(released)
    _served(platform, to, [str(e["uuid"]) for e in page])
    yield from page


@dataclass(frozen=True, slots=True)
class Unsendable:
    """An event that may leave but cannot be prepared: why."""

    reason: str


#: An event as prepared for a push: what of it may go, None if nothing (or the push
#: rules skip it), or why it cannot go.
Prepared = dict[str, Any] | Unsendable | None


def load_for_push(
    platform: Platform,
    conn: Connection,
    uuids: Sequence[str],
    *,
    server_id: int,
    remote_org_uuid: str | None,
    rules: sync.Rules | None = None,
    charge: bool = True,
) -> dict[str, Prepared]:
    """Events ``uuids`` as pushed to ``server_id``: filtered by MISP's rules, downgraded
    as MISP's sender does (2 -> 1), checked against the push ``rules``, then through the
    egress hook (``charge``: spend the privacy budget; false when nothing is released);
    read together (:mod:`threatmesh.storage.events.bulk_reads`). One event that cannot be
    prepared is an :class:`Unsendable`, not an error for all."""
    rows = outgoing.event_rows(conn, uuids)
    opts = platform.read_options(
        include_deleted=True, include_correlations=False, include_sightings=False
    )
    loaded = bulk_reads.load_events(conn, INSTANCE, rows, opts)
    used = set().union(*(group_ids(e) for e in loaded)) if loaded else set()
    groups = sync_groups.as_json(conn, used, own_url=platform.base_url)

    def reaches(group: Mapping[str, Any]) -> bool:
        return sync.sharing_group_reaches_server(group, server_id, remote_org_uuid)

    recipient = egress.Recipient("server", str(server_id), remote_org_uuid)

    def release(event: dict[str, Any]) -> dict[str, Any]:
        out = egress.outbound(platform, conn, event, recipient, charge=charge)
        return attachments.released(platform.attachments, event, out)

    out: dict[str, Prepared] = dict.fromkeys(uuids)
    for event in loaded:
        try:
            shareable = sync.outgoing(event, groups, allows=reaches)
        except ThreatmeshError as exc:
            out[event["uuid"]] = Unsendable(exc.message)
            continue
        if shareable is not None:
            out[event["uuid"]] = _for_push(shareable, rules, release)
    return out


def _for_push(
    shareable: dict[str, Any],
    rules: sync.Rules | None,
    release: Callable[[dict[str, Any]], dict[str, Any]],
) -> Prepared:
    """One shareable event as pushed: downgraded as MISP's sender does, checked against
    the push ``rules`` first (no privacy budget is spent on an event they skip), then
    ``release``d through the egress hook."""
    try:
        event = sync.incoming(shareable, pulled=False)
        if rules is not None and not sync.rules_allow(rules, event):
            return None
        return release(event)
    except ThreatmeshError as exc:
        return Unsendable(exc.message)
