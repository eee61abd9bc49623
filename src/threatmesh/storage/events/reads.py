"""Reading whole events, as a viewer may see them, in MISP JSON."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ColumnElement, FromClause

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_id
from threatmesh.formats.misp_out import Row
from threatmesh.formats.misp_types import EventView, RelatedEventView, SightingView, TagView
from threatmesh.model.access import Viewer, shown_sharing_groups, sighting_visible
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    object_references,
    objects,
    organisations,
    sightings,
    tags,
)
from threatmesh.storage.correlation.matches import IP_SOURCE_TYPES, Source, cidr_matches
from threatmesh.storage.correlation.related import related_event_ids
from threatmesh.storage.directory import sharing_groups

ORG = organisations.alias("org")
ORGC = organisations.alias("orgc")
#: The event of the rows being read (an alias, so ACL predicates can name it apart from
#: ``events`` in subqueries); built once, as building an alias copies every column.
EV = events.alias("ev")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What to include when reading events."""

    include_sightings: bool = True
    include_correlations: bool = True
    include_deleted: bool = False
    #: With ``include_deleted``: the deleted attributes and objects only (MISP's
    #: ``deleted: 2``, or ``[1]``). Whose deleted content a viewer sees is for
    #: ``storage.acl`` to say (its owner's, see ``model.access.sees_deleted``).
    only_deleted: bool = False
    correlation_cap: int = 20
    unpublished_private: bool = False
    #: MISP's ``metadata:1``: the event without its attributes and objects
    metadata: bool = False
    #: Protected attributes' envelopes as their stored JSON text (``orjson.Fragment``),
    #: not parsed: only for an answer that goes straight to ``orjson.dumps``, which
    #: writes the text as it is (the server stored it with ``orjson.dumps``). Parsing
    #: 100 envelopes only to serialise them again was a tenth of an ``/uma/events`` read.
    envelope_text: bool = False


@dataclass(frozen=True, slots=True)
class Known:
    """What a caller holds of an event it has just written, so :func:`load_event` does
    not read it back: the ``attributes`` and ``objects`` rows the viewer sees (in id
    order, deleted ones as the options say) and the event's tags (``misp_out.tag``
    dicts, in :func:`tags_of_event` order). Nothing of a new event is sighted yet."""

    attributes: Sequence[Row]
    objects: Sequence[Row]
    tags: list[TagView]


def event_query() -> sa.Select[Any]:
    """Events joined with their owner (``org_*``) and creator (``orgc_*``) organisations."""
    return sa.select(
        events,
        ORG.c.name.label("org_name"),
        ORG.c.uuid.label("org_uuid"),
        ORG.c.local.label("org_local"),
        ORGC.c.name.label("orgc_name"),
        ORGC.c.uuid.label("orgc_uuid"),
        ORGC.c.local.label("orgc_local"),
    ).select_from(
        events.join(ORG, ORG.c.id == events.c.org_id).join(ORGC, ORGC.c.id == events.c.orgc_id)
    )


#: Event metadata with ``Org`` and ``Orgc`` (a row of :func:`event_query`).
event_with_orgs = misp_out.event_with_orgs


def find_event_row(
    conn: Connection, viewer: Viewer, ref: str, *, unpublished_private: bool = False
) -> RowMapping | None:
    """The event with id or UUID ``ref`` if ``viewer`` may see it."""
    num = as_id(ref)
    cond = events.c.id == num if num is not None else events.c.uuid == ref.lower()
    q = event_query().where(
        cond, acl.event_visible(viewer, unpublished_private=unpublished_private)
    )
    return conn.execute(q).mappings().first()


# Built once (reading one event runs each of these; building them cost more than that).
_EVENT_TAGS = (
    sa.select(tags, event_tags.c.tag_id, event_tags.c.local)
    .join(event_tags, event_tags.c.tag_id == tags.c.id)
    .where(event_tags.c.event_id == sa.bindparam("event_id"))
    .order_by(tags.c.name)
)
_EVENT_ATTRIBUTE_TAGS = (
    sa.select(tags, attribute_tags.c.tag_id, attribute_tags.c.local, attribute_tags.c.attribute_id)
    .join(attribute_tags, attribute_tags.c.tag_id == tags.c.id)
    .where(attribute_tags.c.event_id == sa.bindparam("event_id"))
    .order_by(attribute_tags.c.attribute_id, tags.c.name)
)
_EVENT_REFERENCES = sa.select(object_references).where(
    object_references.c.event_id == sa.bindparam("event_id"),
    object_references.c.deleted.is_(False),
)


def tags_of_event(conn: Connection, event_id: int) -> list[TagView]:
    """The tags attached to the event itself."""
    rows = conn.execute(_EVENT_TAGS, {"event_id": event_id}).mappings()
    return [misp_out.tag(r) for r in rows]


def tags_of_attributes(conn: Connection, attribute_ids: Sequence[int]) -> dict[int, list[TagView]]:
    """Tags per attribute id."""
    out: dict[int, list[TagView]] = defaultdict(list)
    for i in range(0, len(attribute_ids), 500):
        q = (
            sa.select(
                tags, attribute_tags.c.tag_id, attribute_tags.c.local, attribute_tags.c.attribute_id
            )
            .join(attribute_tags, attribute_tags.c.tag_id == tags.c.id)
            .where(attribute_tags.c.attribute_id.in_(attribute_ids[i : i + 500]))
        )
        for r in conn.execute(q).mappings():
            out[r["attribute_id"]].append(misp_out.tag(r))
    return out


def tags_of_event_attributes(conn: Connection, event_id: int) -> dict[int, list[TagView]]:
    """Tags per attribute id for every attribute of ``event_id``, in one statement
    (``attribute_tags`` carries the event id for this)."""
    out: dict[int, list[TagView]] = defaultdict(list)
    for r in conn.execute(_EVENT_ATTRIBUTE_TAGS, {"event_id": event_id}).mappings():
        out[r["attribute_id"]].append(misp_out.tag(r))
    return out


def tags_from_refs(
    conn: Connection, rows: Sequence[Mapping[Any, Any]], known: dict[int, RowMapping]
) -> dict[int, list[TagView]]:
    """Tags per attribute id from the rows' ``tag_refs`` column (see
    ``storage.search.tag_refs``). ``known`` caches tag rows by id across calls: tags are
    few, never deleted, and a tag's id never changes meaning."""
    refs = {
        r["id"]: [ref.split(":") for ref in r["tag_refs"].split(",")] for r in rows if r["tag_refs"]
    }
    missing = {int(t) for pairs in refs.values() for t, _ in pairs} - known.keys()
    if missing:
        q = sa.select(tags).where(tags.c.id.in_(sorted(missing)))
        known.update({r["id"]: r for r in conn.execute(q).mappings()})
    return {
        aid: [
            misp_out.tag({**known[int(t)], "tag_id": int(t), "local": local == "1"})
            for t, local in sorted(pairs, key=lambda p: known[int(p[0])]["name"])
        ]
        for aid, pairs in refs.items()
    }


def sighting_query() -> sa.Select[Any]:
    """Sightings with the name and UUID of the organisation that reported them."""
    return (
        sa.select(
            sightings,
            organisations.c.name.label("org_name"),
            organisations.c.uuid.label("org_uuid"),
        )
        .join(organisations, organisations.c.id == sightings.c.org_id)
        .order_by(sightings.c.id)
    )


def sightings_of(
    conn: Connection, viewer: Viewer, attribute_ids: Sequence[int], event_org_id: dict[int, int]
) -> dict[int, list[SightingView]]:
    """Visible sightings per attribute id (MISP's default policy: the event owner sees
    all, other organisations only their own). ``event_org_id`` maps event id -> owner."""
    out: dict[int, list[SightingView]] = defaultdict(list)
    for i in range(0, len(attribute_ids), 500):
        q = sighting_query().where(sightings.c.attribute_id.in_(attribute_ids[i : i + 500]))
        for r in conn.execute(q).mappings():
            if sighting_visible(viewer, event_org_id.get(r["event_id"]), r["org_id"]):
                out[r["attribute_id"]].append(misp_out.sighting(r))
    return out


def sightings_of_event(
    conn: Connection, viewer: Viewer, event_id: int, owner_org_id: int
) -> dict[int, list[SightingView]]:
    """Visible sightings per attribute id for every attribute of ``event_id`` (one
    statement; same policy as :func:`sightings_of`)."""
    out: dict[int, list[SightingView]] = defaultdict(list)
    for r in conn.execute(sighting_query().where(sightings.c.event_id == event_id)).mappings():
        if sighting_visible(viewer, owner_org_id, r["org_id"]):
            out[r["attribute_id"]].append(misp_out.sighting(r))
    return out


def related_events(
    conn: Connection, viewer: Viewer, event_ids: Sequence[int]
) -> list[RelatedEventView]:
    """``RelatedEvent`` entries for the (visible, correlated) ``event_ids``."""
    if not event_ids:
        return []
    q = (
        event_query()
        .where(events.c.id.in_(event_ids))
        .order_by(events.c.date.desc(), events.c.id.desc())
    )
    return [misp_out.related_event(r) for r in conn.execute(q).mappings()]


def visible_rows(
    conn: Connection,
    table: sa.Table,
    visible: ColumnElement[bool],
    ev: FromClause,
    of_events: ColumnElement[bool],
    *,
    include_deleted: bool,
    only_deleted: bool = False,
) -> list[RowMapping]:
    """Rows of ``table`` (attributes or objects) of the events ``of_events`` selects,
    passing ``visible`` (``ev`` is the event joined on ``table.event_id``), in id order."""
    q = _rows_query(table, ev, of_events, visible, _deleted_filter(include_deleted, only_deleted))
    return list(conn.execute(q).mappings())


def _deleted_filter(include_deleted: bool, only_deleted: bool) -> bool | None:
    """The value the ``deleted`` column must have (None: any)."""
    if not include_deleted:
        return False
    return True if only_deleted else None


def _rows_query(
    table: sa.Table,
    ev: FromClause,
    of_events: ColumnElement[bool],
    visible: ColumnElement[bool],
    deleted: bool | None,
) -> sa.Select[Any]:
    conds = [of_events, visible]
    if deleted is not None:
        conds.append(table.c.deleted.is_(deleted))
    return (
        sa.select(table)
        .select_from(table.join(ev, ev.c.id == table.c.event_id))
        .where(*conds)
        .order_by(table.c.id)
    )


@functools.cache
def _event_rows_query(table: sa.Table, viewer: Viewer, deleted: bool | None) -> sa.Select[Any]:
    # Built once per shape and kind of viewer (``acl.bound``), run with the event id and
    # the viewer's facts bound: building the access predicates cost more than running
    # the query.
    if table is attributes:
        visible = acl.attribute_visible_in_event(viewer, table, EV)
    else:
        visible = acl.object_visible_in_event(viewer, table, EV)
    of_event = table.c.event_id == sa.bindparam("event_id")
    return _rows_query(table, EV, of_event, visible, deleted)


def _event_rows(
    conn: Connection, table: sa.Table, viewer: Viewer, ev_row: RowMapping, opts: ReadOptions
) -> list[RowMapping]:
    """Rows of ``table`` (attributes or objects) of event ``ev_row`` ``viewer`` may see."""
    deleted = _deleted_filter(opts.include_deleted, opts.only_deleted)
    q = _event_rows_query(table, acl.bound(viewer), deleted)
    params = {"event_id": ev_row["id"], **acl.params(viewer)}
    return list(conn.execute(q, params).mappings())


def _content(
    conn: Connection,
    viewer: Viewer,
    ev_row: RowMapping,
    rows: tuple[Sequence[Row], Sequence[Row]],
    opts: ReadOptions,
    *,
    sighted: bool = True,
) -> misp_out.Content:
    """The event's content (``misp_out.event_content``) from the visible ``attributes``
    and ``objects`` rows (``sighted``: whether the attributes may have sightings to read)."""
    attr_rows, obj_rows = rows
    event_id = ev_row["id"]
    seen = None
    if opts.include_sightings:
        seen = sightings_of_event(conn, viewer, event_id, ev_row["org_id"]) if sighted else {}
    refs = conn.execute(_EVENT_REFERENCES, {"event_id": event_id}).mappings() if obj_rows else ()
    attr_tags = tags_of_event_attributes(conn, event_id)
    return misp_out.event_content(
        attr_rows, obj_rows, refs, attr_tags, seen, envelope_text=opts.envelope_text
    )


def _related_to(
    conn: Connection,
    viewer: Viewer,
    event_id: int,
    attr_rows: Sequence[Row],
    opts: ReadOptions,
) -> list[RelatedEventView]:
    """``RelatedEvent``: visible events sharing a correlating value with the event's
    attributes (exact matches in one statement, then CIDR containment for IP types)."""
    upp, cap = opts.unpublished_private, opts.correlation_cap
    ids = related_event_ids(conn, viewer, event_id, cap=cap, unpublished_private=upp)
    ip_sources = [
        Source(r["id"], r["event_id"], r["type"], r["value1"], r["value2"])
        for r in attr_rows
        if r["type"] in IP_SOURCE_TYPES and not r["deleted"] and not r["disable_correlation"]
    ]
    if ip_sources:
        matches = cidr_matches(conn, viewer, ip_sources, cap, upp)
        ids.update(m.event_id for m in matches)
    return related_events(conn, viewer, sorted(ids))


def load_event(
    conn: Connection,
    viewer: Viewer,
    ev_row: RowMapping,
    opts: ReadOptions,
    *,
    known: Known | None = None,
) -> EventView:
    """The event ``ev_row`` as ``viewer`` may see it (the inner dict of ``{"Event": ...}``).

    With ``opts.metadata`` (MISP's ``metadata:1``) the attributes and objects are left
    out of the answer; they are still read when correlations are wanted. With ``known``
    (see :class:`Known`) the rows it holds are not read again."""
    attr_rows: Sequence[Row]
    objs_of: Sequence[Row]
    if known is None:
        objs_of = _event_rows(conn, objects, viewer, ev_row, opts) if not opts.metadata else []
        attr_rows = _event_rows(conn, attributes, viewer, ev_row, opts)
    else:
        attr_rows, objs_of = known.attributes, known.objects
    content = None
    if not opts.metadata:
        rows = (attr_rows, objs_of)
        content = _content(conn, viewer, ev_row, rows, opts, sighted=known is None)
    event_tags_of = tags_of_event(conn, ev_row["id"]) if known is None else list(known.tags)
    # Deleted attributes never correlate: with only those shown, nothing relates.
    correlated = not (ev_row["disable_correlation"] or opts.only_deleted)
    related = (
        _related_to(conn, viewer, ev_row["id"], attr_rows, opts)
        if opts.include_correlations and correlated
        else []
    )
    view = misp_out.event_view(ev_row, content, event_tags_of, related)
    _attach_sharing_groups(conn, viewer, view)
    return view


def _attach_sharing_groups(conn: Connection, viewer: Viewer, view: EventView) -> None:
    """The ``SharingGroup`` of what ``view`` shows distributed to a group the viewer
    may read: one statement, none when nothing in the event uses a sharing group."""
    shown = shown_sharing_groups(viewer, misp_out.sharing_group_ids(view))
    if shown:
        groups = misp_out.sharing_groups(sharing_groups.view_rows(conn, shown))
        misp_out.attach_sharing_groups(view, groups)
