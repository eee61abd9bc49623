"""The rows a notification is made of, read on the connection of the change it tells of.

``services.stream.notify`` shapes them as MISP publishes them; these functions only
read (an event with its organisations, an attribute, an object and its attributes,
sightings, a tag), inside the write transaction, so a notification carries what the
transaction wrote.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import attributes, events, objects, sightings, tags
from threatmesh.storage.events import reads


def event(conn: Connection, event_id: int) -> RowMapping:
    """The event ``event_id`` with its organisations (``reads.event_query``); it must exist."""
    return conn.execute(reads.event_query().where(events.c.id == event_id)).mappings().one()


def attribute(conn: Connection, attribute_id: int) -> RowMapping:
    """The attribute row ``attribute_id``; it must exist."""
    q = sa.select(attributes).where(attributes.c.id == attribute_id)
    return conn.execute(q).mappings().one()


def attributes_by_id(conn: Connection, attribute_ids: Sequence[int]) -> list[RowMapping]:
    """The attribute rows among ``attribute_ids``, in id order."""
    q = sa.select(attributes).where(attributes.c.id.in_(attribute_ids)).order_by(attributes.c.id)
    return list(conn.execute(q).mappings())


def object_row(conn: Connection, object_id: int) -> RowMapping:
    """The object row ``object_id``; it must exist."""
    return conn.execute(sa.select(objects).where(objects.c.id == object_id)).mappings().one()


def object_attributes(conn: Connection, object_id: int) -> list[RowMapping]:
    """The attributes of object ``object_id``, deleted ones too, in id order."""
    q = sa.select(attributes).where(attributes.c.object_id == object_id).order_by(attributes.c.id)
    return list(conn.execute(q).mappings())


def sightings_by_uuid(conn: Connection, sighting_uuids: Sequence[str]) -> list[RowMapping]:
    """The sightings among ``sighting_uuids`` with their organisation's name and UUID
    (``reads.sighting_query``), in id order."""
    q = reads.sighting_query().where(sightings.c.uuid.in_(sighting_uuids))
    return list(conn.execute(q).mappings().all())


def tag(conn: Connection, tag_id: int) -> RowMapping:
    """The tag row ``tag_id``; it must exist."""
    return conn.execute(sa.select(tags).where(tags.c.id == tag_id)).mappings().one()
