"""Operating the outbox (the notifications table): how far it goes, and pruning it."""

from __future__ import annotations

from dataclasses import dataclass

from threatmesh.services.platform import Platform
from threatmesh.storage.stream import outbox as store

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Status:
    """The newest notification id (0: none yet) and how many wait for the bus."""

    newest: int
    undelivered: int


def status(platform: Platform) -> Status:
    """Where the outbox stands now."""
    with platform.read() as conn:
        return Status(store.last_id(conn), store.undelivered_count(conn))


def prune(platform: Platform, *, older_than_days: float) -> int:
    """Delete notifications the bus took more than ``older_than_days`` ago (streams can
    no longer resume from before them); undelivered ones are always kept. Returns how
    many went."""
    with platform.write() as conn:
        return store.prune(conn, delivered_before=platform.now() - int(older_than_days * DAY))
