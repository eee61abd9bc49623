"""Sightings: adding them, finding what they are about, searching them.

Which sightings a viewer sees of an attribute it may see is MISP's sightings policy
(``model.access.sighting_visible``), applied to the rows read here by the caller or by
:func:`threatmesh.storage.events.reads.sightings_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, sightings
from threatmesh.storage.correlation import value_index
from threatmesh.storage.events import reads

#: At most this many sightings answer one search.
SEARCH_LIMIT = 10_000


def add_sightings(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[RowMapping]:
    """Insert ``sightings`` rows, note the time on their events (``sighting_timestamp``)
    and read them back with their organisations (:func:`reads.sighting_query`)."""
    conn.execute(sightings.insert(), rows)
    latest: dict[int, int] = {}
    for r in rows:
        latest[r["event_id"]] = max(latest.get(r["event_id"], 0), r["date_sighting"])
    for event_id, when in latest.items():
        conn.execute(events.update().where(events.c.id == event_id).values(sighting_timestamp=when))
    q = reads.sighting_query().where(sightings.c.uuid.in_([r["uuid"] for r in rows]))
    return list(conn.execute(q).mappings())


def attributes_with_values(
    conn: Connection, viewer: Viewer, values: Sequence[str], *, unpublished_private: bool
) -> list[tuple[int, int]]:
    """``(id, event_id)`` of the live attributes ``viewer`` may see whose value (or
    second value) is one of ``values``."""
    q = (
        sa.select(attributes.c.id, attributes.c.event_id)
        .join(events, events.c.id == attributes.c.event_id)
        .where(
            sa.or_(
                value_index.value1_in(attributes, values),
                value_index.value2_in(attributes, values),
            ),
            attributes.c.deleted.is_(False),
            acl.attribute_visible(
                viewer, attributes, events, unpublished_private=unpublished_private
            ),
        )
    )
    return [(r.id, r.event_id) for r in conn.execute(q)]


def attribute_ids_of_event(conn: Connection, viewer: Viewer, event_id: int) -> list[int]:
    """Ids of the attributes of event ``event_id`` (visible itself) ``viewer`` may see."""
    q = (
        sa.select(attributes.c.id)
        .join(events, events.c.id == attributes.c.event_id)
        .where(
            attributes.c.event_id == event_id,
            acl.attribute_visible_in_event(viewer, attributes),
        )
    )
    return list(conn.execute(q).scalars())


@dataclass(frozen=True, slots=True)
class SightingFilter:
    """What a sightings search asks for (each field unset: no condition)."""

    #: ``("event" | "attribute", id or UUID)``: the sightings of that event or attribute
    target: tuple[str, str] | None = None
    type: int | None = None
    source: str | None = None
    org_id: int | None = None
    #: Epoch bounds on ``date_sighting``: each of ``since`` a lower one, ``until`` the upper
    since: tuple[int, ...] = ()
    until: int | None = None


def _conditions(f: SightingFilter) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    if f.target is not None:
        context, ref = f.target
        table = events if context == "event" else attributes
        num = as_id(ref)
        conds.append(table.c.id == num if num is not None else table.c.uuid == ref.lower())
    if f.type is not None:
        conds.append(sightings.c.type == f.type)
    if f.source is not None:
        conds.append(sightings.c.source == f.source)
    if f.org_id is not None:
        conds.append(sightings.c.org_id == f.org_id)
    col = sightings.c.date_sighting
    conds.extend(col >= bound for bound in f.since)
    if f.until is not None:
        conds.append(col <= f.until)
    return conds


def search_sightings(
    conn: Connection, viewer: Viewer, f: SightingFilter, *, unpublished_private: bool
) -> list[RowMapping]:
    """Sightings matching ``f`` on attributes ``viewer`` may see, with their event's
    owner as ``event_org`` (for the sightings policy), at most :data:`SEARCH_LIMIT`."""
    upp = unpublished_private
    q = (
        reads.sighting_query()
        .add_columns(events.c.org_id.label("event_org"))
        .join(attributes, attributes.c.id == sightings.c.attribute_id)
        .join(events, events.c.id == sightings.c.event_id)
        .where(
            acl.attribute_visible(viewer, attributes, events, unpublished_private=upp),
            *_conditions(f),
        )
        .order_by(sightings.c.id)
        .limit(SEARCH_LIMIT)
    )
    return list(conn.execute(q).mappings())


def find_sighting(conn: Connection, ref: str) -> RowMapping | None:
    """The sighting with id or UUID ``ref``, with its event's owner as ``event_org``
    (no access control: the caller applies it)."""
    num = as_id(ref)
    cond = sightings.c.id == num if num is not None else sightings.c.uuid == ref.lower()
    q = (
        sa.select(sightings, events.c.org_id.label("event_org"))
        .join(events, events.c.id == sightings.c.event_id)
        .where(cond)
    )
    return conn.execute(q).mappings().first()


def delete_sighting(conn: Connection, sighting_id: int) -> None:
    """Remove a sighting."""
    conn.execute(sightings.delete().where(sightings.c.id == sighting_id))
