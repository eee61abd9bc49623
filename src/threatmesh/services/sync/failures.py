"""Events a sync could not send, receive or serve: recorded with the reason, retried
with backoff (pushes and pulls), and listed for the site admin.

One event that cannot go through never holds up the others: a run records it here,
moves on, and tries it again only after the rest of a later run, once its backoff
(one minute, doubling per failure in a row, at most a day) has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import servers
from threatmesh.storage.sync import failures as store
from threatmesh.storage.sync.failures import Failure

log = logging.getLogger("threatmesh.sync")

RETRY_BASE = 60
RETRY_CAP = 86_400


def retry_delay(attempts: int) -> int:
    """Seconds before another try after ``attempts`` failures in a row."""
    return int(min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1)))


def peer(server_id: int) -> str:
    """How failures name a server connection (as anonymizer bindings do)."""
    return f"server {server_id}"


def report(platform: Platform, failure: Failure, *, retry: bool) -> int:
    """Record ``failure`` (``retry``: due again after its backoff) and log it; the
    number of failures in a row."""
    with platform.write() as conn:
        attempts = store.save(conn, failure, platform.now(), retry_delay if retry else None)
    log.warning(
        "sync %s of event %s for %s failed (attempt %d): %s",
        failure.direction,
        failure.event_uuid,
        failure.recipient,
        attempts,
        failure.reason,
    )
    return attempts


def cleared(platform: Platform, direction: str, server_id: int, uuids: Sequence[str]) -> None:
    """Events ``uuids`` went through: forget their failures."""
    if uuids:
        with platform.write() as conn:
            store.clear(conn, direction, peer(server_id), uuids)


def due(platform: Platform, direction: str, server_id: int) -> list[dict[str, Any]]:
    """The failed events of ``direction`` runs with ``server_id`` due for a retry."""
    with platform.read() as conn:
        return [dict(r) for r in store.due(conn, direction, peer(server_id), platform.now())]


def public(row: Any) -> dict[str, Any]:
    """A failure as the API shows it."""
    return {
        "direction": row["direction"],
        "recipient": row["recipient"],
        "server_id": None if row["server_id"] is None else str(row["server_id"]),
        "event_uuid": row["event_uuid"],
        "event_timestamp": str(row["event_timestamp"]),
        "reason": row["reason"],
        "attempts": int(row["attempts"]),
        "first_failed": str(row["first_failed"]),
        "last_failed": str(row["last_failed"]),
        "retry_at": str(row["retry_at"]),
    }


def listing(platform: Platform, who: Identity, server_ref: str | None = None) -> list[Any]:
    """``servers/syncFailures[/{id}]``: recorded failures, latest first (site admins)."""
    servers.require_admin(who)
    with platform.read() as conn:
        server_id = int(servers.get(conn, server_ref)["id"]) if server_ref else None
        return [{"SyncFailure": public(r)} for r in store.listing(conn, server_id)]
