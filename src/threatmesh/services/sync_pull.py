"""Pull: fetch what a remote instance lets our sync user see, and store it.

MISP's pull (``Server::pull``): list the remote's published events with
``events/index``, fetch each new or changed one with ``events/view`` and store it with
the receiving rules (:mod:`threatmesh.services.sync_receive`). Two additions:

- incremental: the listing asks only for events changed or published since the
  remote time remembered for this server (``sync_cursors``);
- batched: from a threatmesh peer, events are fetched ``batch`` at a time with one
  ``events/restSearch`` and stored ``batch`` per transaction; a real MISP peer gets
  MISP's ``events/view`` per event.

A run killed at any point resumes: every stored event, its log entry and the cursor
are committed together, and an event already stored with the same timestamp is
skipped without being fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import RowMapping

from threatmesh.client.misp import Backoff, MispClient
from threatmesh.model import sync
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services import servers
from threatmesh.services.platform import Platform
from threatmesh.services.sync_receive import Progress, Report, Source, receive
from threatmesh.storage import sync_store


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


def _fetcher(client: MispClient, fast: bool) -> Callable[[list[dict[str, Any]]], list[Any]]:
    def fetch(chunk: list[dict[str, Any]]) -> list[Any]:
        if fast:
            return client.events([str(m["id"]) for m in chunk])
        return [client.event(str(m["uuid"])) for m in chunk]

    return fetch


def _connection(platform: Platform, server_id: int) -> tuple[RowMapping, int]:
    """The connection to pull from and its cursor."""
    with platform.read() as conn:
        row = sync_store.server_row(conn, server_id)
        since = sync_store.cursor(conn, server_id, "pull")
    if row is None:
        raise NotFound("Invalid server.")
    if not row["pull"] or not row["org_id"]:
        raise InvalidInput(f"Server {server_id}: pulling is not enabled for this connection")
    return row, since


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
    batch is fetched while the current one is stored."""
    row, since = _connection(platform, server_id)
    rules = sync.parse_rules(row["pull_rules"], "Server.pull_rules")
    report = Report(server_id, "pull")
    source = Source(server_id, owner_org_id=row["org_id"], user_id=0, pulled=True)
    with servers.client_for(row, backoff) as client, ThreadPoolExecutor(1) as ahead:
        fast = "threatmesh_version" in client.version() if batched is None else batched
        listed = listing(client, since, rules)
        report.listed = len(listed)
        todo = _wanted(platform, listed)
        chunks = [todo[i : i + batch] for i in range(0, len(todo), batch)]
        fetch = _fetcher(client, fast)
        pending = ahead.submit(fetch, chunks[0]) if chunks else None
        for n, chunk in enumerate(chunks):
            assert pending is not None
            raws = [r for r in pending.result() if sync.rules_allow(rules, r)]
            pending = ahead.submit(fetch, chunks[n + 1]) if n + 1 < len(chunks) else None
            position = ("pull", change_key(chunk[-1]))  # all before it are done
            report.outcome.merge(receive(platform, raws, source, cursor=position))
            if progress:
                progress("pull", sum(len(c) for c in chunks[: n + 1]), len(todo))
    if listed:
        with platform.write() as conn:
            last = change_key(listed[-1])
            sync_store.set_cursor(conn, server_id, "pull", last, platform.now())
    return report
