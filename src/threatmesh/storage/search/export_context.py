"""What a CSV export adds to a page of attributes: their objects (``object_*``
columns) and, with ``includeContext``, their events' metadata (``event_*``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.formats.misp_types import as_json
from threatmesh.storage.core.tables import objects
from threatmesh.storage.events import events as stored
from threatmesh.storage.events import reads


def objects_of(conn: Connection, rows: Sequence[Mapping[Any, Any]]) -> dict[int, dict[str, Any]]:
    """``{uuid, name, meta-category}`` of the objects the attribute ``rows`` belong to,
    by object id (no access control: the rows come from a search that applied it)."""
    ids = sorted({r["object_id"] for r in rows if r["object_id"]})
    if not ids:
        return {}
    o = objects
    q = sa.select(o.c.id, o.c.uuid, o.c.name, o.c.meta_category).where(o.c.id.in_(ids))
    return {
        r.id: {"uuid": r.uuid, "name": r.name, "meta-category": r.meta_category}
        for r in conn.execute(q)
    }


def events_of(conn: Connection, rows: Sequence[Mapping[Any, Any]]) -> dict[int, dict[str, Any]]:
    """The metadata of the events of the attribute ``rows`` (with ``Org``, ``Orgc`` and
    ``Tag``), by event id (no access control: as :func:`objects_of`)."""
    found = stored.events_by_id(conn, sorted({r["event_id"] for r in rows}))
    out = {}
    for event_id, row in found.items():
        meta = reads.event_with_orgs(row)
        meta["Tag"] = reads.tags_of_event(conn, event_id)
        out[event_id] = as_json(meta)
    return out
