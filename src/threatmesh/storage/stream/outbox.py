"""The outbox: notifications written in the same transaction as the change they tell of.

A write buffers its notifications on the connection (:func:`buffer`) and the
transaction inserts them last, just before it commits (:func:`flush`). On PostgreSQL
``flush`` first takes a transaction-scoped advisory lock, so notification ids are
handed out in commit order: a reader that has seen id *n* will never later find a
smaller id committing behind it (SQLite has one writer at a time, so it holds
already). The relay (``services.relay``) then copies undelivered rows to the bus.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from threatmesh.storage.core.tables import Id, metadata

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False, server_default=""),
    # No foreign key: the notification of a deletion outlives its event.
    sa.Column("event_id", sa.BigInteger, nullable=True),
    sa.Column("event_uuid", sa.String(36), nullable=False, server_default=""),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("delivered", sa.BigInteger, nullable=True),
    # The relay reads undelivered rows in id order: this index holds only those.
    sa.Index(
        "ix_notifications_undelivered",
        "id",
        sqlite_where=sa.text("delivered IS NULL"),
        postgresql_where=sa.text("delivered IS NULL"),
    ),
)

_BUFFER = "threatmesh.outbox"
#: Key of the PostgreSQL advisory lock that orders notification ids by commit.
_ORDER_LOCK = 0x7468_6D6F_7574  # "thmout"


@dataclass(frozen=True, slots=True)
class Pending:
    """A notification buffered on a connection, not yet inserted."""

    topic: str
    action: str
    event_id: int | None
    event_uuid: str
    payload: bytes


def begin(conn: Connection) -> None:
    """Forget anything buffered on ``conn`` (by a transaction that failed before it)."""
    conn.info.pop(_BUFFER, None)


def buffer(
    conn: Connection,
    topic: str,
    payload: dict[str, Any],
    *,
    action: str,
    event_id: int | None = None,
    event_uuid: str = "",
) -> None:
    """Queue a notification to be inserted by :func:`flush` in this transaction."""
    body = orjson.dumps({**payload, "action": action})
    conn.info.setdefault(_BUFFER, []).append(Pending(topic, action, event_id, event_uuid, body))


def flush(conn: Connection, now: int) -> int:
    """Insert the buffered notifications (call just before commit); returns how many."""
    pending: list[Pending] = conn.info.pop(_BUFFER, [])
    if not pending:
        return 0
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ORDER_LOCK)))
    rows = [
        {
            "topic": p.topic,
            "action": p.action,
            "event_id": p.event_id,
            "event_uuid": p.event_uuid,
            "payload": p.payload.decode(),
            "created": now,
        }
        for p in pending
    ]
    conn.execute(notifications.insert(), rows)
    return len(rows)


def after(
    conn: Connection, last_id: int, topics: Collection[str], *, limit: int = 500
) -> list[RowMapping]:
    """Notifications with an id above ``last_id`` on ``topics``, oldest first."""
    q = (
        sa.select(notifications)
        .where(notifications.c.id > last_id, notifications.c.topic.in_(sorted(topics)))
        .order_by(notifications.c.id)
        .limit(limit)
    )
    return list(conn.execute(q).mappings())


def last_id(conn: Connection) -> int:
    """The newest notification id (0 when there is none)."""
    return int(conn.execute(sa.select(sa.func.max(notifications.c.id))).scalar() or 0)


def claims_hold_locks(engine: Engine) -> bool:
    """Whether rows a transaction claims stay locked until it ends, so that a relay can
    claim, publish and mark in one transaction while other relays skip those rows
    (PostgreSQL). On SQLite a read transaction cannot write once another commit
    happened (WAL snapshots): there the relay claims, publishes and marks in steps."""
    return engine.dialect.name == "postgresql"


def claim(conn: Connection, *, limit: int = 500) -> list[RowMapping]:
    """Undelivered notifications this relay may publish now, oldest first.

    Rows are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so relays in other
    processes take other rows. A row is left out when an older undelivered row of the
    same event is held by another relay: publishing it first would break the order
    within that event.
    """
    undelivered = notifications.c.delivered.is_(None)
    q = (
        sa.select(notifications)
        .where(undelivered)
        .order_by(notifications.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    mine = list(conn.execute(q).mappings())
    if not mine or conn.dialect.name != "postgresql":
        return mine  # SQLite: one writer, nothing held elsewhere
    held = _held_elsewhere(conn, mine)
    return [r for r in mine if r["id"] < held.get(r["event_uuid"], r["id"] + 1)]


def _held_elsewhere(conn: Connection, mine: Sequence[RowMapping]) -> dict[str, int]:
    """Per event of ``mine``: the oldest undelivered id that is not in ``mine``."""
    ids = [r["id"] for r in mine]
    events = sorted({r["event_uuid"] for r in mine})
    q = (
        sa.select(notifications.c.event_uuid, sa.func.min(notifications.c.id))
        .where(
            notifications.c.delivered.is_(None),
            notifications.c.event_uuid.in_(events),
            notifications.c.id.not_in(ids),
            notifications.c.id < max(ids),
        )
        .group_by(notifications.c.event_uuid)
    )
    return {uuid: int(first) for uuid, first in conn.execute(q)}


def mark_delivered(conn: Connection, ids: Sequence[int], now: int) -> None:
    """Record that the bus has stored the notifications ``ids``."""
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        conn.execute(
            notifications.update().where(notifications.c.id.in_(chunk)).values(delivered=now)
        )


def undelivered_count(conn: Connection) -> int:
    """How many notifications wait for the bus."""
    q = sa.select(sa.func.count()).where(notifications.c.delivered.is_(None))
    return int(conn.execute(q).scalar_one())


def prune(conn: Connection, *, delivered_before: int) -> int:
    """Delete notifications the bus took before ``delivered_before`` (epoch seconds);
    undelivered ones are kept whatever their age. Returns how many went."""
    q = notifications.delete().where(
        notifications.c.delivered.is_not(None), notifications.c.delivered < delivered_before
    )
    return int(conn.execute(q).rowcount or 0)
