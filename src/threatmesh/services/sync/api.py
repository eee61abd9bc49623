"""Sync use cases behind the API: run a pull or push now, and the calls a remote
instance makes while it pushes to us (as MISP's ``EventsController`` and
``SightingsController`` answer them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_id, as_int, as_list, as_str, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.formats.misp_types import EventView
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.services.events.access import get_visible
from threatmesh.services.events.events import view_event
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import pull as sync_pull
from threatmesh.services.sync import push as sync_push
from threatmesh.services.sync import servers
from threatmesh.services.sync.receive import Report, Source, receive
from threatmesh.storage.sync import store as sync_store


def _require_sync(who: Identity) -> None:
    if not who.viewer.can("perm_sync"):
        raise Forbidden("This endpoint is for sync users.")


def _one_event(technique: str) -> bool:
    """Whether a run's ``technique`` names one event (an id or a UUID), as MISP allows."""
    return as_id(technique) is not None or _is_uuid(technique)


def _is_uuid(text: str) -> bool:
    try:
        as_uuid(text, "technique")
    except InvalidInput:
        return False
    return True


def run(
    platform: Platform, who: Identity, ref: str, direction: str, technique: str
) -> dict[str, Any]:
    """``servers/pull/{id}`` and ``servers/push/{id}``: one run now, synchronously
    (``full``: forget the cursor and the log first, so everything is offered again;
    an event id or UUID: that event only, as PyMISP's ``server_push(server, event)``)."""
    servers.require_admin(who)
    with platform.read() as conn:
        server_id = int(servers.get(conn, ref)["id"])
    if technique not in ("incremental", "full", "update") and not _one_event(technique):
        raise InvalidInput(
            f"technique: {technique!r} is not one of full, update, incremental, or an event "
            "id or UUID"
        )
    if technique == "full":
        reset(platform, server_id, direction)
    one = _one_event(technique)
    if direction == "pull" and one:
        report = sync_pull.pull_one(platform, server_id, technique)
    elif direction == "pull":
        report = sync_pull.pull(platform, server_id)
    elif one:
        report = sync_push.push_one(platform, server_id, technique)
    else:
        report = sync_push.push(platform, server_id)
    return _summary(report, direction)


def _summary(report: Report, direction: str) -> dict[str, Any]:
    summary = report.summary()
    verb = "pulled" if direction == "pull" else "pushed"
    done = summary["added"] + summary["updated"]
    summary["message"] = (
        f"{direction.capitalize()} completed. {done} events {verb}, "
        f"{summary['failed']} events could not be {verb}, "
        f"{summary['skipped']} events needed no update or were kept back by the sync rules."
    )
    return summary


def reset(platform: Platform, server_id: int, direction: str) -> None:
    """Forget how far syncs with ``server_id`` in ``direction`` got (and what failed:
    everything is offered again)."""
    with platform.write() as conn:
        sync_store.forget_progress(conn, server_id, direction)


def filter_events(platform: Platform, who: Identity, body: Any) -> list[str]:
    """``events/filterEventIdsForPush``: UUIDs offered that we lack or hold older."""
    _require_sync(who)
    offered: dict[str, int] = {}
    for i, item in enumerate(as_list(body, "request body")):
        data = unwrap(item, "Event")
        uuid = as_uuid(data.get("uuid"), f"[{i}].Event.uuid")
        offered[uuid] = as_int(data.get("timestamp") or 0, f"[{i}].Event.timestamp")
    with platform.read() as conn:
        local = sync_store.event_stamps(conn, list(offered))
    return [u for u, t in offered.items() if u not in local or local[u]["timestamp"] < t]


def event_uuid_exists(platform: Platform, who: Identity, uuid: str) -> bool:
    """``events/checkuuid/{uuid}``."""
    _require_sync(who)
    with platform.read() as conn:
        return sync_store.event_exists(conn, uuid)


def filter_sightings(platform: Platform, who: Identity, body: Any) -> list[str]:
    """``sightings/filterSightingsForPush``: offered sighting UUIDs we do not have."""
    _require_sync(who)
    offered = [as_str(u, "request body[]").lower() for u in as_list(body, "request body")]
    with platform.read() as conn:
        known = sync_store.known_sightings(conn, offered)
    return [u for u in offered if u not in known]


def save_sightings(platform: Platform, who: Identity, event_ref: str | None, body: Any) -> int:
    """``sightings/bulkSaveSightings[/{event}]``: store synced sightings."""
    _require_sync(who)
    raw = body.get("Sighting", body) if isinstance(body, Mapping) else body
    items = [s for s in as_list(raw, "Sighting") if isinstance(s, Mapping)]
    with platform.write() as conn:
        if event_ref:
            get_visible(platform, conn, who, event_ref)
        return sync_store.save_sightings(conn, items, platform.now())


def receive_pushed(
    platform: Platform,
    who: Identity,
    payload: Any,
    *,
    ref: str | None = None,
    metadata: bool = False,
) -> EventView:
    """``events/add`` and ``events/edit`` from a remote's sync user: stored with the
    receiving rules (locked, creator kept, same-or-older timestamp a no-op)."""
    data = dict(unwrap(payload, "Event"))
    if ref and len(ref) == 36:
        data.setdefault("uuid", ref)
    if not data.get("uuid"):
        raise InvalidInput("Event.uuid: a synced event keeps its UUID")
    source = Source(None, owner_org_id=who.viewer.org_id, user_id=who.viewer.user_id, pulled=False)
    outcome = receive(platform, [data], source)
    if outcome.failed:
        message = next(iter(outcome.failed.values()))
        if message.startswith(("Blocked", "Event blocked")):
            raise Forbidden(message)
        raise InvalidInput(message)
    # What MISP answers a push with: the stored event (no correlations: nobody reads them).
    return view_event(
        platform,
        who,
        str(data["uuid"]).lower(),
        metadata=metadata,
        include_correlations=False,
        include_sightings=False,
    )
