"""Storage of sync failures: events a sync could not send, receive or serve, with the
reason, one row per event and peer (inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.driver import insert_ignore
from threatmesh.storage.sync.tables import sync_failures as F


@dataclass(frozen=True, slots=True)
class Failure:
    """One event that could not go through, and why."""

    direction: str  # "push", "pull" or "serve"
    recipient: str  # "server 3", "organisation <uuid>"
    server_id: int | None
    event_uuid: str
    event_timestamp: int
    reason: str


def _where(direction: str, recipient: str, event_uuid: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        F.c.direction == direction, F.c.recipient == recipient, F.c.event_uuid == event_uuid
    )


def save(
    conn: Connection, failure: Failure, now: int, backoff: Callable[[int], int] | None = None
) -> int:
    """Record (or count once more) a failure; the number of attempts that failed in a
    row for this version of the event. With ``backoff`` (attempts -> seconds), the
    event is due again that long from ``now``."""
    key = _where(failure.direction, failure.recipient, failure.event_uuid)
    reason = failure.reason[:2000]
    conn.execute(
        insert_ignore(conn, F).values(
            direction=failure.direction,
            recipient=failure.recipient[:255],
            server_id=failure.server_id,
            event_uuid=failure.event_uuid,
            event_timestamp=failure.event_timestamp,
            reason=reason,
            attempts=0,
            first_failed=now,
            last_failed=now,
            retry_at=0,
        )
    )
    same = F.c.event_timestamp == failure.event_timestamp
    conn.execute(
        F.update()
        .where(key)
        .values(
            # A new version of the event starts counting again.
            attempts=sa.case((same, F.c.attempts + 1), else_=1),
            event_timestamp=failure.event_timestamp,
            reason=reason,
            last_failed=now,
        )
    )
    attempts = int(conn.execute(sa.select(F.c.attempts).where(key)).scalar_one())
    if backoff is not None:
        conn.execute(F.update().where(key).values(retry_at=now + backoff(attempts)))
    return attempts


def clear(conn: Connection, direction: str, recipient: str, uuids: Sequence[str]) -> None:
    """Forget the failures of events ``uuids`` (they went through)."""
    for i in range(0, len(uuids), 500):
        conn.execute(
            F.delete().where(
                F.c.direction == direction,
                F.c.recipient == recipient,
                F.c.event_uuid.in_(list(uuids[i : i + 500])),
            )
        )


def pending(conn: Connection, direction: str, recipient: str) -> bool:
    """Whether any failure is recorded for ``direction`` and ``recipient``."""
    q = sa.select(F.c.id).where(F.c.direction == direction, F.c.recipient == recipient).limit(1)
    return conn.execute(q).first() is not None


def due(conn: Connection, direction: str, recipient: str, now: int) -> list[RowMapping]:
    """The failures due for another try at ``now``, oldest first."""
    q = (
        sa.select(F)
        .where(F.c.direction == direction, F.c.recipient == recipient, F.c.retry_at <= now)
        .order_by(F.c.first_failed, F.c.id)
    )
    return list(conn.execute(q).mappings())


def any_due(conn: Connection, direction: str, recipient: str, now: int) -> bool:
    """Whether a failure of ``direction`` for ``recipient`` is due at ``now``."""
    q = (
        sa.select(F.c.id)
        .where(F.c.direction == direction, F.c.recipient == recipient, F.c.retry_at <= now)
        .limit(1)
    )
    return conn.execute(q).first() is not None


def listing(conn: Connection, server_id: int | None = None) -> list[RowMapping]:
    """Every recorded failure (of one connection's syncs), latest first."""
    q = sa.select(F).order_by(F.c.last_failed.desc(), F.c.id.desc())
    if server_id is not None:
        q = q.where(F.c.server_id == server_id)
    return list(conn.execute(q).mappings())


def forget(conn: Connection, server_id: int, direction: str) -> None:
    """Forget the failures of ``direction`` runs with ``server_id`` (a full sync)."""
    conn.execute(F.delete().where(F.c.server_id == server_id, F.c.direction == direction))
