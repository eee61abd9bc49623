"""The ``events`` rows as a whole: read by id, publish, touch, delete.

Reading an event's content as a viewer sees it is :mod:`threatmesh.storage.events.reads`;
writing an event with its content is :mod:`threatmesh.storage.events.writes`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.model.validation.describe_types import ATTACHMENT_TYPES
from threatmesh.storage.core.tables import attributes, events, sharing_groups
from threatmesh.storage.events import reads, writes

# Built once: it runs in every events/add.
_EVENT_BY_ID = reads.event_query().where(events.c.id == sa.bindparam("id"))


def event_by_id(conn: Connection, event_id: int) -> RowMapping:
    """The event ``event_id`` with its organisations (:func:`reads.event_query`'s
    columns), read without access control: the caller has just written it or found it
    visible."""
    return conn.execute(_EVENT_BY_ID, {"id": event_id}).mappings().one()


def events_by_id(conn: Connection, event_ids: Sequence[int]) -> dict[int, RowMapping]:
    """The events ``event_ids`` with their organisations, by id (no access control:
    the ids come from a search that applied it)."""
    q = reads.event_query().where(events.c.id.in_(event_ids))
    return {r["id"]: r for r in conn.execute(q).mappings()}


def existing_sharing_groups(conn: Connection, ids: Collection[int]) -> dict[int, int]:
    """The sharing groups among ``ids`` that exist, with their owner organisation's id."""
    q = sa.select(sharing_groups.c.id, sharing_groups.c.org_id).where(sharing_groups.c.id.in_(ids))
    return {int(r.id): int(r.org_id) for r in conn.execute(q)}


def attachment_uuids(conn: Connection, condition: sa.ColumnElement[bool]) -> list[str]:
    """The UUIDs of the attachment attributes matching ``condition`` (read before they
    are deleted, so that their files can go after the commit)."""
    q = sa.select(attributes.c.uuid).where(condition, attributes.c.type.in_(ATTACHMENT_TYPES))
    return list(conn.execute(q).scalars())


def delete_event(conn: Connection, event_id: int) -> list[str]:
    """Delete the event and everything in it; the UUIDs of the attachment attributes
    it held (their files are for the caller to remove after the commit)."""
    files = attachment_uuids(conn, attributes.c.event_id == event_id)
    conn.execute(events.delete().where(events.c.id == event_id))
    return files


def set_published(
    conn: Connection, event_id: int, *, published: bool, publish_timestamp: int | None = None
) -> None:
    """Publish or unpublish the event (``publish_timestamp``: when, if given)."""
    values: dict[str, object] = {"published": published}
    if publish_timestamp is not None:
        values["publish_timestamp"] = publish_timestamp
    conn.execute(events.update().where(events.c.id == event_id).values(**values))


def touch_event(conn: Connection, event_id: int, now: int) -> None:
    """The event's content changed: bump its timestamp, unpublish it, recount its
    attributes."""
    conn.execute(
        events.update().where(events.c.id == event_id).values(timestamp=now, published=False)
    )
    writes.recount_attributes(conn, event_id)


def set_timestamp(conn: Connection, event_id: int, now: int) -> None:
    """Bump the event's timestamp (its tags changed; it stays as published as it was)."""
    conn.execute(events.update().where(events.c.id == event_id).values(timestamp=now))


def transfer(conn: Connection, event_id: int, values: dict[str, int]) -> None:
    """Hand event ``event_id`` to another organisation: ``values`` sets its ``org_id``,
    ``orgc_id``, ``user_id``, ``timestamp`` and, if given, ``distribution`` and
    ``sharing_group_id`` (an accepted delegation)."""
    allowed = {"org_id", "orgc_id", "user_id", "timestamp", "distribution", "sharing_group_id"}
    assert set(values) <= allowed, set(values) - allowed
    conn.execute(events.update().where(events.c.id == event_id).values(**values))
