"""Reading many whole events at once, as a viewer may see them (for sync).

:func:`threatmesh.storage.events.reads.load_event` reads one event in about ten statements;
a sync page of 50 events read that way costs 500. This module reads a page in the
same ten statements, with the same access rules (``storage.acl``) and the same view
builder (``formats.misp_out``), without correlations (sync never sends them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats import misp_out
from threatmesh.formats.misp_types import EventView, TagView
from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes as attrs
from threatmesh.storage.core.tables import event_tags, object_references, objects, tags
from threatmesh.storage.events import reads


def _rows(
    conn: Connection,
    viewer: Viewer,
    table: sa.Table,
    ids: Sequence[int],
    opts: reads.ReadOptions,
) -> list[RowMapping]:
    ev = reads.EV
    visible = (
        acl.attribute_visible_in_event(viewer, table, ev)
        if table is attrs
        else acl.object_visible_in_event(viewer, table, ev)
    )
    of_events = table.c.event_id.in_(ids)
    return reads.visible_rows(
        conn,
        table,
        visible,
        ev,
        of_events,
        include_deleted=opts.include_deleted,
        only_deleted=opts.only_deleted,
    )


def _event_tags(conn: Connection, ids: Sequence[int]) -> dict[int, list[TagView]]:
    q = (
        sa.select(tags, event_tags.c.tag_id, event_tags.c.local, event_tags.c.event_id)
        .join(event_tags, event_tags.c.tag_id == tags.c.id)
        .where(event_tags.c.event_id.in_(ids))
        .order_by(tags.c.name)
    )
    out: dict[int, list[TagView]] = defaultdict(list)
    for r in conn.execute(q).mappings():
        out[r["event_id"]].append(misp_out.tag(r))
    return out


def _content(
    conn: Connection, viewer: Viewer, rows: Sequence[RowMapping], opts: reads.ReadOptions
) -> misp_out.Content:
    """Top-level attributes and objects (with theirs and references), by event id."""
    ids = [r["id"] for r in rows]
    attr_rows = _rows(conn, viewer, attrs, ids, opts)
    obj_rows = _rows(conn, viewer, objects, ids, opts)
    aids = [r["id"] for r in attr_rows]
    attr_tags = reads.tags_of_attributes(conn, aids)
    owners = {r["id"]: r["org_id"] for r in rows}
    seen = reads.sightings_of(conn, viewer, aids, owners) if opts.include_sightings else None
    refs: Sequence[RowMapping] = ()
    if obj_rows:
        q = sa.select(object_references).where(
            object_references.c.event_id.in_(ids), object_references.c.deleted.is_(False)
        )
        refs = list(conn.execute(q).mappings())
    return misp_out.event_content(attr_rows, obj_rows, refs, attr_tags, seen)


def load_events(
    conn: Connection, viewer: Viewer, rows: Sequence[RowMapping], opts: reads.ReadOptions
) -> list[EventView]:
    """The events ``rows`` (from :func:`reads.event_query`) as ``viewer`` may see them,
    in the order given."""
    if not rows:
        return []
    content = _content(conn, viewer, rows, opts)
    ev_tags = _event_tags(conn, [r["id"] for r in rows])
    return [misp_out.event_view(row, content, ev_tags.get(row["id"], []), []) for row in rows]
