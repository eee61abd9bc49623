"""Writing received events: new ones a batch at a time (:func:`insert_events`), and a
newer copy over one stored before (:func:`update_event`).

:func:`threatmesh.storage.events.writes.insert_event` writes one event in about eight
statements; a sync batch of 50 events written that way costs 400 round trips, which
on PostgreSQL is most of the time a pull takes. :func:`insert_events` writes the same
rows with the same building blocks (``writes.event_row``, ``attribute_row``,
``ensure_tags``, ``ip_rows``, ``insert_objects``), but one statement per table for
the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.drafts import EventDraft
from threatmesh.storage.core import driver
from threatmesh.storage.core.tables import attribute_tags, event_tags, events, ip_index
from threatmesh.storage.events import writes
from threatmesh.storage.events.edits import apply_event_edit


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A received event to insert, with its owner and creator organisations."""

    draft: EventDraft
    org_id: int
    orgc_id: int
    user_id: int


def insert_events(conn: Connection, batch: Sequence[NewEvent]) -> list[int]:
    """Insert locked events with their tags, attributes and objects; their ids."""
    if not batch:
        return []
    rows = [
        writes.event_row(n.draft)
        | {
            "org_id": n.org_id,
            "orgc_id": n.orgc_id,
            "user_id": n.user_id,
            "locked": True,
            "attribute_count": sum(1 for a in n.draft.all_attributes() if not a.deleted),
        }
        for n in batch
    ]
    stmt = events.insert().returning(events.c.id, sort_by_parameter_order=True)
    ids = list(conn.execute(stmt, rows).scalars())
    refs = [t for n in batch for t in writes.all_tags(n.draft)]
    tag_ids = writes.ensure_tags(conn, refs)
    tag_rows = [
        {"event_id": eid, "tag_id": tag_ids[t.name], "local": t.local}
        for eid, n in zip(ids, batch, strict=True)
        for t in n.draft.tags
    ]
    if tag_rows:
        conn.execute(driver.insert_ignore(conn, event_tags), tag_rows)
    _attributes(conn, ids, batch, tag_ids)
    for eid, n in zip(ids, batch, strict=True):
        if n.draft.objects:
            writes.insert_objects(conn, eid, n.draft.objects, tag_ids=tag_ids)
    return ids


def _attributes(
    conn: Connection, ids: Sequence[int], batch: Sequence[NewEvent], tag_ids: dict[str, int]
) -> None:
    """The events' top-level attributes, their tags and IP index rows."""
    pairs = [(eid, a) for eid, n in zip(ids, batch, strict=True) for a in n.draft.attributes]
    if not pairs:
        return
    rows = [writes.attribute_row(eid, a, 0) for eid, a in pairs]
    # (a storage-internal helper: the attribute rows of many events, ids in order)
    aids = writes._insert_attribute_rows(conn, rows)
    tag_rows: list[dict[str, Any]] = [
        {"attribute_id": aid, "event_id": eid, "tag_id": tag_ids[t.name], "local": t.local}
        for aid, (eid, a) in zip(aids, pairs, strict=True)
        for t in a.tags
    ]
    if tag_rows:
        conn.execute(driver.insert_ignore(conn, attribute_tags), tag_rows)
    ip = writes.ip_rows((aid, a) for aid, (_, a) in zip(aids, pairs, strict=True))
    if ip:
        conn.execute(ip_index.insert(), ip)
        writes.note_network_sizes(conn, ip)


def update_event(
    conn: Connection,
    event_id: int,
    draft: EventDraft,
    *,
    orgc_id: int,
    now: int,
) -> None:
    """Write the received ``draft`` over stored event ``event_id`` (created by
    ``orgc_id``), keeping the sender's timestamps and locking it."""
    row = conn.execute(sa.select(events).where(events.c.id == event_id)).mappings().one()
    apply_event_edit(conn, row, draft, now=now, publish=draft.published)
    # The remote's timestamp, not ours: it makes a re-received copy a no-op.
    conn.execute(
        events.update()
        .where(events.c.id == event_id)
        .values(
            timestamp=draft.timestamp,
            published=draft.published,
            publish_timestamp=draft.publish_timestamp,
            orgc_id=orgc_id,
            locked=True,
        )
    )
