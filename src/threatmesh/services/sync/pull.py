"""Pull: fetch what a remote instance lets our sync user see, and store it.

MISP's pull (``Server::pull``): list the remote's published events with
``events/index``, fetch each new or changed one with ``events/view`` and store it with
the receiving rules (:mod:`threatmesh.services.sync.receive`). Two additions:

- incremental: the listing asks only for events changed or published since the
  remote time remembered for this server (``sync_cursors``);
- batched: from a threatmesh peer, events are fetched ``batch`` at a time with one
  ``events/restSearch`` and stored ``batch`` per transaction; a real MISP peer gets
  MISP's ``events/view`` per event.

A run killed at any point resumes: every stored event, its log entry and the cursor
are committed together, and an event already stored with the same timestamp is
skipped without being fetched.

An event the remote does not send, or that cannot be stored here, is recorded with
its reason (:mod:`threatmesh.services.sync.failures`) and the run goes on; it is
fetched again after the rest of a later run, once its backoff has passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from threatmesh.client.misp import Backoff, MispClient, RemoteError
from threatmesh.model import sync
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services.platform import Platform
from threatmesh.services.sync import failures as sync_failures
from threatmesh.services.sync import servers
from threatmesh.services.sync.receive import Progress, Report, Source, receive
from threatmesh.storage.core.database import Row
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync import store as sync_store
from threatmesh.storage.sync.failures import Failure


def change_key(meta: Mapping[str, Any]) -> int:
    """When an event last changed or was (re)published on its instance."""
    return max(int(meta.get("timestamp") or 0), int(meta.get("publish_timestamp") or 0))


def listing(client: MispClient, since: int, rules: sync.Rules) -> list[dict[str, Any]]:
    """Published events changed or published at or after ``since`` (all if 0) that
    pass the pull rules' tag and organisation filters, oldest change first."""
    base: dict[str, Any] = {"published": 1, "minimal": 1, **sync.rules_as_filters(rules)}
    if since <= 0:
        found = client.event_index(base)
    else:
        found = client.event_index({**base, "timestamp": since})
        found += client.event_index({**base, "publish_timestamp": since})
    unique = {str(m["uuid"]).lower(): m for m in found if m.get("uuid")}
    return sorted(unique.values(), key=lambda m: (change_key(m), str(m["uuid"])))


def _wanted(platform: Platform, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed events we lack or hold an older copy of."""
    with platform.read() as conn:
        local = sync_store.event_stamps(conn, [str(m["uuid"]) for m in listed])
    return [
        m
        for m in listed
        if (old := local.get(str(m["uuid"]).lower())) is None
        or old["timestamp"] < int(m.get("timestamp") or 0)
    ]


#: Why an event listed by a threatmesh peer is missing from its batched answer.
NOT_SENT = (
    "the remote did not send this event (deleted or no longer shared since it was "
    "listed, or it could not be prepared there: the remote's servers/syncFailures "
    "says why)"
)

#: Events fetched, and why the others were not: {event uuid: reason}.
Fetched = tuple[list[dict[str, Any]], dict[str, str]]


def _fetch(client: MispClient, chunk: list[dict[str, Any]], fast: bool) -> Fetched:
    """The events of ``chunk``: from a threatmesh peer in one request, else (or when
    that request fails while the remote still answers) one ``events/view`` each, so
    that one event the remote cannot send costs only itself. Only a remote that does
    not answer stops the run."""
    uuids = [str(m["uuid"]).lower() for m in chunk]
    if fast:
        try:
            raws = client.events([str(m["id"]) for m in chunk])
        except RemoteError:
            if not client.alive():
                raise
        else:
            sent = {str(r.get("uuid", "")).lower() for r in raws}
            return raws, {u: NOT_SENT for u in uuids if u not in sent}
    raws, failed = [], {}
    for uuid in uuids:
        try:
            raws.append(client.event(uuid))
        except RemoteError as exc:
            if exc.remote_status is None:
                raise
            failed[uuid] = exc.message
    return raws, failed


def _connection(platform: Platform, server_id: int) -> tuple[Row, int]:
    """The connection to pull from and its cursor."""
    with platform.read() as conn:
        server = server_rows.server(conn, server_id)
        since = sync_store.cursor(conn, server_id, "pull")
    if server is None:
        raise NotFound("Invalid server.")
    if not server["pull"] or not server["org_id"]:
        raise InvalidInput(f"Server {server_id}: pulling is not enabled for this connection")
    return server, since


@dataclass(frozen=True, slots=True)
class _Run:
    """One pull run: the connection, the rules, where events go, the report."""

    platform: Platform
    server_id: int
    rules: sync.Rules
    source: Source
    report: Report

    def store(
        self, raws: list[dict[str, Any]], stamps: Mapping[str, int], cursor: int | None = None
    ) -> None:
        """Store the fetched events the pull rules let in (moving the cursor to
        ``cursor`` with them); record those that failed, forget the failures of the
        others. ``stamps``: the listed timestamp of each event, by UUID."""
        raws = [r for r in raws if sync.rules_allow(self.rules, r)]
        position = None if cursor is None else ("pull", cursor)  # all before it are done
        outcome = receive(self.platform, raws, self.source, cursor=position)
        self.report.outcome.merge(outcome)
        for uuid, reason in outcome.failed.items():
            self.failed(uuid, stamps.get(uuid.lower(), 0), reason, report=False)
        done = [*outcome.added, *outcome.updated, *outcome.skipped]
        sync_failures.cleared(self.platform, "pull", self.server_id, done)

    def failed(self, uuid: str, timestamp: int, reason: str, *, report: bool = True) -> None:
        """Record an event that could not be pulled (tried again after its backoff)."""
        if report:
            self.report.outcome.failed[uuid] = reason
        peer = sync_failures.peer(self.server_id)
        failure = Failure("pull", peer, self.server_id, uuid.lower(), timestamp, reason)
        sync_failures.report(self.platform, failure, retry=True)


def _stamps(chunk: list[dict[str, Any]]) -> dict[str, int]:
    return {str(m["uuid"]).lower(): int(m.get("timestamp") or 0) for m in chunk}


def _retry_failed(run: _Run, client: MispClient) -> None:
    """Fetch again, one at a time, the events that failed before and whose backoff
    has passed, after the rest of the run (never ahead of it). One the remote no
    longer has for us (404), or that the pull rules now skip, is forgotten."""
    for due in sync_failures.due(run.platform, "pull", run.server_id):
        uuid, stamp = str(due["event_uuid"]), int(due["event_timestamp"])
        try:
            raw = client.event(uuid)
        except RemoteError as exc:
            if exc.remote_status is None:
                raise  # the remote is down: the run stops here
            if exc.remote_status == 404:
                sync_failures.cleared(run.platform, "pull", run.server_id, [uuid])
            else:
                run.failed(uuid, stamp, exc.message)
            continue
        if sync.rules_allow(run.rules, raw):
            run.store([raw], {uuid: stamp})
        else:
            sync_failures.cleared(run.platform, "pull", run.server_id, [uuid])


def pull(
    platform: Platform,
    server_id: int,
    *,
    batch: int = 50,
    progress: Progress | None = None,
    backoff: Backoff | None = None,
    batched: bool | None = None,
) -> Report:
    """One pull run from connection ``server_id``. ``batched`` forces (True) or
    refuses (False) the batched fetch; by default a threatmesh peer gets it. The next
    batch is fetched while the current one is stored. Events that failed in earlier
    runs and are due again are fetched last."""
    server, since = _connection(platform, server_id)
    rules = sync.parse_rules(server["pull_rules"], "Server.pull_rules")
    source = Source(server_id, owner_org_id=server["org_id"], user_id=0, pulled=True)
    run = _Run(platform, server_id, rules, source, Report(server_id, "pull"))
    with servers.client_for(server, backoff) as client, ThreadPoolExecutor(1) as ahead:
        fast = "threatmesh_version" in client.version() if batched is None else batched
        listed = listing(client, since, rules)
        run.report.listed = len(listed)
        todo = _wanted(platform, listed)
        chunks = [todo[i : i + batch] for i in range(0, len(todo), batch)]
        pending = ahead.submit(_fetch, client, chunks[0], fast) if chunks else None
        for n, chunk in enumerate(chunks):
            assert pending is not None
            raws, failed = pending.result()
            if n + 1 < len(chunks):
                pending = ahead.submit(_fetch, client, chunks[n + 1], fast)
            stamps = _stamps(chunk)
            for uuid, reason in failed.items():
                run.failed(uuid, stamps.get(uuid, 0), reason)
            run.store(raws, stamps, change_key(chunk[-1]))
            if progress:
                progress("pull", sum(len(c) for c in chunks[: n + 1]), len(todo))
        _retry_failed(run, client)
    if listed:
        with platform.write() as conn:
            last = change_key(listed[-1])
            sync_store.set_cursor(conn, server_id, "pull", last, platform.now())
    return run.report


def pull_one(
    platform: Platform, server_id: int, ref: str, *, backoff: Backoff | None = None
) -> Report:
    """Pull the remote's event ``ref`` (its id there, or the UUID) now (MISP's
    ``servers/pull/{server}/{event}``), by the same rules as a run; the pull cursor
    stays where it is."""
    server, _ = _connection(platform, server_id)
    rules = sync.parse_rules(server["pull_rules"], "Server.pull_rules")
    source = Source(server_id, owner_org_id=server["org_id"], user_id=0, pulled=True)
    run = _Run(platform, server_id, rules, source, Report(server_id, "pull", listed=1))
    with servers.client_for(server, backoff) as client:
        try:
            raw = client.event(ref)
        except RemoteError as exc:
            if exc.remote_status == 404:
                raise NotFound(f"Event {ref}: the remote has no such event for us") from None
            raise
    uuid = str(raw.get("uuid", "")).lower()
    if sync.rules_allow(rules, raw):
        run.store([raw], {uuid: int(raw.get("timestamp") or 0)})
    else:
        run.report.outcome.skipped.append(uuid)
    return run.report
