"""What this instance sends to others: the events a push offers, the sightings it
sends with them, and the event rows a push or a remote's pull reads (their content
is then loaded by :mod:`threatmesh.storage.events.bulk_reads`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.model import sync
from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, sightings
from threatmesh.storage.events import reads
from threatmesh.storage.sync.tables import sync_failures, sync_log


def _change_key(conn: Connection) -> sa.ColumnElement[int]:
    # The two-argument max() of SQLite is PostgreSQL's greatest().
    name = "greatest" if conn.dialect.name == "postgresql" else "max"
    key: sa.ColumnElement[int] = getattr(sa.func, name)(
        events.c.timestamp, events.c.publish_timestamp
    )
    return key


def _shareable(conn: Connection) -> sa.Select[Any]:
    """Published events of distribution 2-4 (``id``, ``uuid``, ``timestamp`` and
    ``key``: when they last changed or were published), oldest change first."""
    key = _change_key(conn)
    return (
        sa.select(events.c.id, events.c.uuid, events.c.timestamp, key.label("key"))
        .where(
            events.c.published.is_(True),
            events.c.distribution.in_(sorted(sync.SYNCABLE_EVENT)),
        )
        .order_by(key, events.c.uuid)
    )


def _candidates(conn: Connection, server_id: int, since: int) -> sa.Select[Any]:
    def has(direction: str) -> sa.ColumnElement[bool]:
        # This version of the event went to ``server_id`` (push) or came from it (pull).
        return sa.exists(
            sa.select(sync_log.c.id).where(
                sync_log.c.server_id == server_id,
                sync_log.c.direction == direction,
                sync_log.c.event_uuid == events.c.uuid,
                sync_log.c.timestamp >= events.c.timestamp,
            )
        )

    return _shareable(conn).where(
        sa.or_(events.c.timestamp >= since, events.c.publish_timestamp >= since),
        sa.not_(has("push")),
        sa.not_(has("pull")),
    )


def candidates(conn: Connection, server_id: int, since: int) -> list[RowMapping]:
    """Published events of distribution 2-4 changed since ``since``, minus those
    already pushed to ``server_id``, or pulled from it, with their current timestamp
    (MISP's ``passAlong``: an event is not offered back to where it came from); oldest
    change first."""
    return list(conn.execute(_candidates(conn, server_id, since)).mappings())


def has_candidates(conn: Connection, server_id: int, since: int, recipient: str, now: int) -> bool:
    """Whether :func:`candidates` has an event for ``server_id`` that is not waiting
    for the backoff of an earlier failure (recorded for ``recipient``)."""
    waiting = sa.exists(
        sa.select(sync_failures.c.id).where(
            sync_failures.c.direction == "push",
            sync_failures.c.recipient == recipient,
            sync_failures.c.event_uuid == events.c.uuid,
            sync_failures.c.retry_at > now,
        )
    )
    q = _candidates(conn, server_id, since).where(sa.not_(waiting)).limit(1)
    return conn.execute(q).first() is not None


def has_sightings_since(conn: Connection, since: int) -> bool:
    """Whether a sighting with an id above ``since`` exists."""
    q = sa.select(sightings.c.id).where(sightings.c.id > since).limit(1)
    return conn.execute(q).first() is not None


def event_facts(conn: Connection, ref: str) -> RowMapping | None:
    """``id``, ``uuid``, ``timestamp``, ``published``, ``distribution`` and ``key``
    (when it last changed or was published) of event ``ref`` (a local id or a UUID)."""
    key = _change_key(conn)
    q = sa.select(
        events.c.id,
        events.c.uuid,
        events.c.timestamp,
        events.c.published,
        events.c.distribution,
        key.label("key"),
    )
    if ref.isdigit():
        q = q.where(events.c.id == int(ref))
    else:
        q = q.where(events.c.uuid == ref.lower())
    return conn.execute(q).mappings().first()


def shareable_among(conn: Connection, uuids: Sequence[str]) -> list[RowMapping]:
    """The events among ``uuids`` a push may still offer (as :func:`candidates` lists
    them), oldest change first."""
    q = _shareable(conn).where(events.c.uuid.in_(list(uuids)))
    return list(conn.execute(q).mappings())


def sightings_since(conn: Connection, since: int) -> list[RowMapping]:
    """Sightings with an id above ``since``, by id, with their reporting organisation
    (``org_name``, ``org_uuid``), ``attribute_uuid`` and ``event_uuid``."""
    q = (
        reads.sighting_query()
        .add_columns(attributes.c.uuid.label("attribute_uuid"), events.c.uuid.label("event_uuid"))
        .join(attributes, attributes.c.id == sightings.c.attribute_id)
        .join(events, events.c.id == sightings.c.event_id)
        .where(sightings.c.id > since)
    )
    return list(conn.execute(q).mappings())


def event_rows(conn: Connection, uuids: Sequence[str]) -> list[RowMapping]:
    """The events ``uuids`` with their organisations (:func:`reads.event_query`)."""
    q = reads.event_query().where(events.c.uuid.in_(list(uuids)))
    return list(conn.execute(q).mappings())


def visible_event_rows(
    conn: Connection, viewer: Viewer, ids: Sequence[int], *, unpublished_private: bool
) -> list[RowMapping]:
    """The events ``ids`` whose existence ``viewer`` may see, with their organisations."""
    visible = acl.event_visible(viewer, unpublished_private=unpublished_private)
    q = reads.event_query().where(events.c.id.in_(list(ids)), visible)
    return list(conn.execute(q).mappings())
