"""Sightings a requesting party reports through UMA (``POST /uma/events/{uuid}/sightings``):
the attribute it names, the sighting row, and the sighting read back as MISP shows it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import attributes, events, sightings
from threatmesh.storage.events import reads


def live_attribute(conn: Connection, event_id: int, attribute_uuid: str) -> RowMapping | None:
    """The attribute ``attribute_uuid`` of event ``event_id`` (``id``, ``event_id``)
    unless it is deleted, or None."""
    q = (
        sa.select(attributes.c.id, attributes.c.event_id)
        .join(events, events.c.id == attributes.c.event_id)
        .where(
            events.c.id == event_id,
            attributes.c.uuid == attribute_uuid,
            attributes.c.deleted.is_(False),
        )
    )
    return conn.execute(q).mappings().first()


def add(conn: Connection, row: dict[str, Any]) -> None:
    """Insert sighting ``row`` (``uuid, attribute_id, event_id, org_id, date_sighting,
    source, type``) and move its event's ``sighting_timestamp`` to it."""
    conn.execute(sightings.insert().values(**row))
    conn.execute(
        events.update()
        .where(events.c.id == row["event_id"])
        .values(sighting_timestamp=row["date_sighting"])
    )


def by_uuid(conn: Connection, sighting_uuid: str) -> RowMapping:
    """The sighting ``sighting_uuid`` with its organisation (``reads.sighting_query``);
    it must exist."""
    found = conn.execute(reads.sighting_query().where(sightings.c.uuid == sighting_uuid))
    return found.mappings().one()
