"""The evidence source reputation is computed from, read from sightings and attributes.

Independence is what makes corroboration worth something, so each other organisation
counts once per indicator and kind, however often it repeats itself, and an
organisation never corroborates itself. The latest time counts (evidence decays).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.enums import SightingType
from threatmesh.storage.tables import attributes, events, sightings

#: (kind, epoch seconds) pairs; kind is "sighting", "false_positive" or "match".
Evidence = list[tuple[str, int]]


def sighting_evidence(conn: Connection, org_id: int) -> Evidence:
    """Sightings (type 0) and false positives (type 1) by other organisations on
    indicators of events ``org_id`` created."""
    q = (
        sa.select(sightings.c.type, sa.func.max(sightings.c.date_sighting))
        .join(attributes, attributes.c.id == sightings.c.attribute_id)
        .join(events, events.c.id == attributes.c.event_id)
        .where(
            events.c.orgc_id == org_id,
            sightings.c.org_id != org_id,
            sightings.c.type.in_([int(SightingType.SIGHTING), int(SightingType.FALSE_POSITIVE)]),
            attributes.c.deleted.is_(False),
        )
        .group_by(sightings.c.org_id, sightings.c.attribute_id, sightings.c.type)
    )
    kinds = {
        int(SightingType.SIGHTING): "sighting",
        int(SightingType.FALSE_POSITIVE): "false_positive",
    }
    return [(kinds[int(kind)], int(when)) for kind, when in conn.execute(q)]


def match_evidence(conn: Connection, org_id: int) -> Evidence:
    """Indicators of ``org_id``'s events that another organisation's events also carry:
    one piece of evidence per (other organisation, value), at its latest report."""
    own = attributes.alias("own")
    own_ev = events.alias("own_ev")
    other = attributes.alias("other")
    other_ev = events.alias("other_ev")
    q = (
        sa.select(other_ev.c.orgc_id, own.c.value1, sa.func.max(other.c.timestamp))
        .select_from(own)
        .join(own_ev, own_ev.c.id == own.c.event_id)
        .join(other, other.c.value1 == own.c.value1)
        .join(other_ev, other_ev.c.id == other.c.event_id)
        .where(
            own_ev.c.orgc_id == org_id,
            other_ev.c.orgc_id != org_id,
            own.c.deleted.is_(False),
            other.c.deleted.is_(False),
            own.c.to_ids.is_(True),
        )
        .group_by(other_ev.c.orgc_id, own.c.value1)
    )
    return [("match", int(when)) for _org, _value, when in conn.execute(q)]
