"""Reading many whole events at once, as a viewer may see them (for sync).

:func:`threatmesh.storage.events.reads.load_event` reads one event in about ten statements;
a sync page of 50 events read that way costs 500. This module reads a page in the
same ten statements, with the same access rules (``storage.acl``) and the same
shapes (``formats.misp_out``), without correlations (sync never sends them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats import misp_out
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


def _event_tags(conn: Connection, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    q = (
        sa.select(tags, event_tags.c.tag_id, event_tags.c.local, event_tags.c.event_id)
        .join(event_tags, event_tags.c.tag_id == tags.c.id)
        .where(event_tags.c.event_id.in_(ids))
        .order_by(tags.c.name)
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(q).mappings():
        out[r["event_id"]].append(misp_out.tag(r))
    return out


Content = dict[int, list[dict[str, Any]]]


def _content(
    conn: Connection, viewer: Viewer, rows: Sequence[RowMapping], opts: reads.ReadOptions
) -> tuple[Content, Content]:
    """Top-level attributes and objects (with theirs and references), by event id."""
    ids = [r["id"] for r in rows]
    attr_rows = _rows(conn, viewer, attrs, ids, opts)
    obj_rows = _rows(conn, viewer, objects, ids, opts)
    aids = [r["id"] for r in attr_rows]
    attr_tags = reads.tags_of_attributes(conn, aids)
    owners = {r["id"]: r["org_id"] for r in rows}
    seen = reads.sightings_of(conn, viewer, aids, owners) if opts.include_sightings else {}
    objs = {
        r["id"]: misp_out.misp_object(r) | {"Attribute": [], "ObjectReference": []}
        for r in obj_rows
    }
    top: Content = defaultdict(list)
    for r in attr_rows:
        a = misp_out.attribute(r) | {"Tag": attr_tags.get(r["id"], [])}
        if opts.include_sightings:
            a["Sighting"] = seen.get(r["id"], [])
        if r["object_id"] == 0:
            top[r["event_id"]].append(a)
        elif r["object_id"] in objs:
            objs[r["object_id"]]["Attribute"].append(a)
    if objs:
        q = sa.select(object_references).where(
            object_references.c.event_id.in_(ids), object_references.c.deleted.is_(False)
        )
        for ref in conn.execute(q).mappings():
            if ref["object_id"] in objs:
                objs[ref["object_id"]]["ObjectReference"].append(misp_out.reference(ref))
    by_event: Content = defaultdict(list)
    for r in obj_rows:
        by_event[r["event_id"]].append(objs[r["id"]])
    return top, by_event


def load_events(
    conn: Connection, viewer: Viewer, rows: Sequence[RowMapping], opts: reads.ReadOptions
) -> list[dict[str, Any]]:
    """The events ``rows`` (from :func:`reads.event_query`) as ``viewer`` may see them,
    in the order given."""
    if not rows:
        return []
    top, objs = _content(conn, viewer, rows, opts)
    ev_tags = _event_tags(conn, [r["id"] for r in rows])
    out = []
    for row in rows:
        event = reads.event_with_orgs(row)
        event.update(
            Attribute=top.get(row["id"], []),
            ShadowAttribute=[],
            Object=objs.get(row["id"], []),
            EventReport=[],
            Tag=ev_tags.get(row["id"], []),
            Galaxy=[],
            CryptographicKey=[],
            RelatedEvent=[],
        )
        out.append(event)
    return out
