"""``RelatedAttribute`` of a page of attributes (restSearch ``includeCorrelations``):
for each attribute, the visible attributes of other events it correlates with
(:func:`threatmesh.storage.correlation.matches.correlate`), in MISP's shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.formats import misp_out
from threatmesh.model.access import Viewer
from threatmesh.storage.core.tables import attributes, events
from threatmesh.storage.correlation.matches import Match, Source, correlate


def _uncorrelated_events(conn: Connection, event_ids: Sequence[int]) -> set[int]:
    """Which of ``event_ids`` have ``disable_correlation`` set."""
    q = sa.select(events.c.id).where(
        events.c.id.in_(event_ids), events.c.disable_correlation.is_(True)
    )
    return set(conn.execute(q).scalars())


def related_attributes(
    conn: Connection,
    viewer: Viewer,
    rows: Sequence[Mapping[Any, Any]],
    *,
    cap: int,
    unpublished_private: bool,
) -> dict[int, list[dict[str, Any]]]:
    """``RelatedAttribute`` entries per attribute id of ``rows`` (``attributes`` rows)."""
    # An event with disable_correlation correlates with nothing, as its source too.
    uncorrelated = _uncorrelated_events(conn, sorted({r["event_id"] for r in rows}))
    sources = [
        Source(r["id"], r["event_id"], r["type"], r["value1"], r["value2"])
        for r in rows
        if not r["disable_correlation"] and not r["deleted"] and r["event_id"] not in uncorrelated
    ]
    matches = correlate(conn, viewer, sources, cap=cap, unpublished_private=unpublished_private)
    return _entries(conn, matches) if matches else {}


def _entries(conn: Connection, matches: Sequence[Match]) -> dict[int, list[dict[str, Any]]]:
    q = (
        sa.select(
            attributes,
            events.c.uuid.label("event_uuid"),
            events.c.info.label("event_info"),
            events.c.org_id.label("event_org_id"),
            events.c.orgc_id.label("event_orgc_id"),
            events.c.distribution.label("event_distribution"),
        )
        .join(events, events.c.id == attributes.c.event_id)
        .where(attributes.c.id.in_(sorted({m.id for m in matches})))
    )
    found = {r["id"]: r for r in conn.execute(q).mappings()}
    out: dict[int, list[dict[str, Any]]] = {}
    for m in matches:
        r = found[m.id]
        out.setdefault(m.source_id, []).append(
            {
                "id": str(r["id"]),
                "event_id": str(r["event_id"]),
                "org_id": str(r["event_org_id"]),
                "info": r["event_info"],
                "value": misp_out.attribute(r)["value"],
                "type": r["type"],
                "category": r["category"],
                "uuid": r["uuid"],
                "Event": misp_out.attribute_event(r),
            }
        )
    return out
