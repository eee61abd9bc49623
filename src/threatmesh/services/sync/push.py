"""Push: send our published, shareable events (and their sightings) to a remote.

MISP's push (``Server::push``, ``Event::uploadEventToServer``): ask the remote which
events it lacks or holds older (``events/filterEventIdsForPush``), then send each with
``events/add/metadata:1`` or ``events/edit/{uuid}/metadata:1``, filtered by the sync
rules for that server (:func:`threatmesh.services.sync.serve.load_for_push`).
Candidates are events changed or (re)published since the local time remembered for
the server, minus those it already has or sent us in this version (MISP's
``passAlong``); every event sent is logged and moves that cursor in its own
transaction, so a run killed at any point resumes after the last event the remote
accepted. A run holds the server's lease (:mod:`threatmesh.services.sync.lease`): two
runs never push to one server at once. Publishing starts runs in the background
(:mod:`threatmesh.services.sync.autopush`); :func:`push_one` sends one event now.

An event that cannot go (the anonymizer cannot process it, the remote refuses it) is
recorded with its reason (:mod:`threatmesh.services.sync.failures`) and the run goes
on; it is tried again after the rest of a later run, once its backoff has passed.
Only a remote that does not answer at all stops a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threatmesh.client.misp import Backoff, MispClient, RemoteError
from threatmesh.model import sync
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services.platform import Platform
from threatmesh.services.sync import failures as sync_failures
from threatmesh.services.sync import lease, servers
from threatmesh.services.sync.receive import Progress, Report
from threatmesh.services.sync.serve import Prepared, Unsendable, load_for_push
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import organisations as orgs
from threatmesh.storage.sync import failures as failures
from threatmesh.storage.sync import outgoing
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync import store as sync_store
from threatmesh.storage.sync.failures import Failure

#: An event a push offers: ``id``, ``uuid``, ``timestamp``, and ``key`` (when it last
#: changed or was published: the push cursor's position), from
#: :func:`threatmesh.storage.sync.outgoing.candidates`.
Candidate = Row

#: MISP's names of the distributions that never leave by push.
_LEVELS = {0: "your organisation only", 1: "this community only"}


@dataclass(frozen=True, slots=True)
class _Run:
    """One push run: the connection, its client, and what the run reports."""

    platform: Platform
    client: MispClient
    server: Row
    remote_org_uuid: str | None
    rules: sync.Rules
    report: Report
    #: Called after each event: renews the server's lease (:mod:`.lease`).
    renew: Callable[[], None] = lambda: None

    @property
    def server_id(self) -> int:
        return int(self.server["id"])

    def done(self, conn: Connection, finished: list[Candidate], advance: bool) -> None:
        """Log events that went (or need not go), forget their failures, and move
        the cursor past them (``advance``), in the caller's transaction."""
        now, sid = self.platform.now(), self.server_id
        sync_store.log_synced(
            conn, sid, "push", [(c["uuid"], c["timestamp"]) for c in finished], now
        )
        failures.clear(conn, "push", sync_failures.peer(sid), [c["uuid"] for c in finished])
        if advance and finished:
            sync_store.set_cursor(conn, sid, "push", int(finished[-1]["key"]), now)

    def failed(self, candidate: Candidate, reason: str) -> None:
        """Record a failed event (retried after its backoff) and report it."""
        self.report.outcome.failed[candidate["uuid"]] = reason
        sid = self.server_id
        failure = Failure(
            "push",
            sync_failures.peer(sid),
            sid,
            candidate["uuid"],
            int(candidate["timestamp"]),
            reason,
        )
        sync_failures.report(self.platform, failure, retry=True)


def _send(run: _Run, prepared: Prepared, known: bool) -> str | Unsendable:
    """Send one prepared event: "added", "skipped" (nothing of it may go, or the push
    rules skip it) or why it did not go. Only an unreachable remote stops the run."""
    if isinstance(prepared, Unsendable):
        return prepared
    if prepared is not None:
        try:
            # Logged before: the remote has it (no HEAD round trip); else try an add.
            run.client.push_event(prepared, exists=known)
        except RemoteError as exc:
            if exc.remote_status is None or (exc.remote_status >= 500 and not run.client.alive()):
                raise  # the remote is down: stop here, resume from this event next time
            return Unsendable(exc.message)
    return "added" if prepared is not None else "skipped"


def _push_chunk(run: _Run, chunk: list[Candidate], *, advance: bool = True) -> None:
    """Offer ``chunk`` to the remote, send what it wants, record what failed and,
    with ``advance``, move the cursor past the chunk (failed events included: they
    are retried from the failure records, after the rest)."""
    platform, sid = run.platform, run.server_id
    wanted = set(run.client.filter_for_push([(c["uuid"], c["timestamp"]) for c in chunk]))
    with platform.read() as conn:
        known = sync_store.logged(conn, sid, "push", [c["uuid"] for c in chunk])
        todo = [c["uuid"] for c in chunk if c["uuid"] in wanted]
        prepared = load_for_push(
            platform,
            conn,
            todo,
            server_id=sid,
            remote_org_uuid=run.remote_org_uuid,
            rules=run.rules,
        )
    unwanted = [c for c in chunk if c["uuid"] not in wanted]
    for candidate in chunk:
        if candidate["uuid"] not in wanted:
            continue
        result = _send(run, prepared[candidate["uuid"]], candidate["uuid"] in known)
        if isinstance(result, Unsendable):
            run.failed(candidate, result.reason)
            continue
        with platform.write() as conn:
            run.done(conn, [candidate], advance)
        getattr(run.report.outcome, result).append(candidate["uuid"])
        run.renew()
    run.report.outcome.skipped += [c["uuid"] for c in unwanted]
    with platform.write() as conn:
        run.done(conn, unwanted, advance=False)  # the remote has them: not offered again
        if advance:
            sync_store.set_cursor(conn, sid, "push", int(chunk[-1]["key"]), platform.now())


def _retry_failed(run: _Run, batch: int) -> None:
    """Try again the failed events whose backoff has passed, after the rest of the run
    (never ahead of it); those deleted or no longer shared since are forgotten."""
    due = [d["event_uuid"] for d in sync_failures.due(run.platform, "push", run.server_id)]
    if not due:
        return
    with run.platform.read() as conn:
        current = outgoing.shareable_among(conn, due)
    gone = set(due) - {c["uuid"] for c in current}
    sync_failures.cleared(run.platform, "push", run.server_id, sorted(gone))
    for start in range(0, len(current), batch):
        _push_chunk(run, current[start : start + batch], advance=False)


def _open(platform: Platform, server_id: int) -> tuple[Row, str | None, sync.Rules]:
    """Connection ``server_id`` (push on), its remote organisation's UUID, its rules."""
    with platform.read() as conn:
        server = server_rows.server(conn, server_id)
        if server is None:
            raise NotFound("Invalid server.")
        remote_org_uuid = orgs.org_uuid(conn, server["remote_org_id"])
    if not server["push"]:
        raise InvalidInput(f"Server {server_id}: pushing is not enabled for this connection")
    return server, remote_org_uuid, sync.parse_rules(server["push_rules"], "Server.push_rules")


def _checked(client: MispClient, server: Row) -> MispClient:
    if not client.version().get("perm_sync"):
        raise RemoteError(f"{server['url']}: the remote user has no sync permission")
    return client


def push(
    platform: Platform,
    server_id: int,
    *,
    batch: int = 100,
    progress: Progress | None = None,
    backoff: Backoff | None = None,
    wait: float = lease.WAIT_SECONDS,
) -> Report:
    """One push run to connection ``server_id``: the events changed since the last
    run, then those that failed before and are due again. The run holds the
    server's lease (:mod:`threatmesh.services.sync.lease`; waiting up to ``wait``
    seconds for a run in progress)."""
    server, remote_org_uuid, rules = _open(platform, server_id)
    with lease.held(platform, server_id, wait=wait) as renew:
        with platform.read() as conn:
            since = sync_store.cursor(conn, server_id, "push")
            todo = outgoing.candidates(conn, server_id, since)
        report = Report(server_id, "push", listed=len(todo))
        with servers.client_for(server, backoff) as client:
            checked = _checked(client, server)
            run = _Run(platform, checked, server, remote_org_uuid, rules, report, renew)
            for start in range(0, len(todo), batch):
                _push_chunk(run, todo[start : start + batch])
                if progress:
                    progress("push", min(len(todo), start + batch), len(todo))
            _retry_failed(run, batch)
            if server["push_sightings"]:
                report.outcome.sightings = push_sightings(platform, client, server, remote_org_uuid)
    return report


def push_one(
    platform: Platform,
    server_id: int,
    ref: str,
    *,
    backoff: Backoff | None = None,
    wait: float = lease.WAIT_SECONDS,
) -> Report:
    """Push event ``ref`` (a local id or UUID) to ``server_id`` now (MISP's
    ``servers/push/{server}/{event}``), by the same rules as a run; the push
    cursor stays where it is. An event that may not leave this instance is a 400
    saying why."""
    server, remote_org_uuid, rules = _open(platform, server_id)
    with platform.read() as conn:
        event = outgoing.event_facts(conn, ref)
    if event is None:
        raise NotFound("Invalid event.")
    if not event["published"]:
        raise InvalidInput(f"Event {ref}: only published events are pushed; publish it first")
    if event["distribution"] not in sync.SYNCABLE_EVENT:
        level = _LEVELS.get(int(event["distribution"]), str(event["distribution"]))
        raise InvalidInput(f"Event {ref}: its distribution ({level}) keeps it on this instance")
    report = Report(server_id, "push", listed=1)
    with lease.held(platform, server_id, wait=wait), servers.client_for(server, backoff) as client:
        run = _Run(platform, _checked(client, server), server, remote_org_uuid, rules, report)
        _push_chunk(run, [event], advance=False)
    return report


def push_sightings(
    platform: Platform, client: MispClient, server: Row, remote_org_uuid: str | None
) -> int:
    """Sightings recorded since the last run, on events this server may receive,
    sent with ``sightings/bulkSaveSightings`` (the remote drops those it has)."""
    with platform.read() as conn:
        since = sync_store.cursor(conn, server["id"], "push_sightings")
        found = outgoing.sightings_since(conn, since)
    by_event: dict[str, list[dict[str, Any]]] = {}
    for s in found:
        by_event.setdefault(s["event_uuid"], []).append(_sighting_json(s))
    sent = 0
    with platform.read() as conn:
        # Only to learn which attributes the remote holds: nothing is released here.
        shareable = load_for_push(
            platform,
            conn,
            list(by_event),
            server_id=server["id"],
            remote_org_uuid=remote_org_uuid,
            charge=False,
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
            sync_store.set_cursor(conn, server["id"], "push_sightings", last, platform.now())
    return sent


def _attribute_uuids(event: Prepared) -> set[str]:
    if not isinstance(event, dict):
        return set()
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs += obj.get("Attribute") or []
    return {str(a["uuid"]) for a in attrs}


def _sighting_json(sighting: Row) -> dict[str, Any]:
    return {
        "uuid": sighting["uuid"],
        "attribute_uuid": sighting["attribute_uuid"],
        "date_sighting": str(sighting["date_sighting"]),
        "source": sighting["source"],
        "type": str(sighting["type"]),
        "org_id": str(sighting["org_id"]),
        "Organisation": {"uuid": sighting["org_uuid"], "name": sighting["org_name"]},
    }
