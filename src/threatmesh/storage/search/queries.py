"""restSearch and index queries, filtered by access control in SQL and read in pages.

Results are produced page by page with keyset pagination (``id > last``), so a search
that matches millions of attributes never holds more than one page in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer
from threatmesh.model.errors import InvalidInput
from threatmesh.model.query import Query, Terms, is_wildcard
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    objects,
    organisations,
    tags,
)
from threatmesh.storage.correlation import value_index
from threatmesh.storage.search.order import attribute_order, event_order
from threatmesh.storage.search.pages import PAGE as PAGE
from threatmesh.storage.search.pages import (
    PAGE_SELECT,
    TAG_REFS,
    ConnFactory,
    Row,
    keyset_pages,
    offset_pages,
)
from threatmesh.storage.search.point import iter_point
from threatmesh.storage.search.point import point_value as point_value

_T = TypeVar("_T")


def _match(col: sa.ColumnElement[Any], term: str) -> ColumnElement[bool]:
    # Wildcards match case-insensitively on every backend, as MISP (MySQL) does, and
    # ``\`` escapes a ``%`` or ``_`` on every backend (MySQL's default; SQLite has none).
    if not is_wildcard(term):
        return col == term
    trailing = len(term) - len(term.rstrip("\\"))
    if trailing % 2:  # a lone escape at the end escapes nothing: a literal backslash
        term += "\\"
    return col.ilike(term, escape="\\")


def terms_clause(
    terms: Terms, match: Callable[[str], ColumnElement[bool]], *, exact_and_is_in: bool = True
) -> ColumnElement[bool] | None:
    """SQL for a :class:`Terms` filter, given how one term matches.

    With ``exact_and_is_in`` (MISP's ``generic_add_filter``: value, type, category...),
    the exact terms of ``AND`` together are one ``IN``: ``{"AND": [a, b]}`` matches
    ``a`` or ``b``, not a row that is both. (Tags keep a true AND.)"""
    if not terms:
        return None
    parts: list[ColumnElement[bool]] = []
    if terms.any_of:
        parts.append(sa.or_(*(match(t) for t in terms.any_of)))
    exact = [t for t in terms.all_of if exact_and_is_in and not is_wildcard(t)]
    if exact:
        parts.append(sa.or_(*(match(t) for t in exact)))
    parts.extend(match(t) for t in terms.all_of if t not in exact)
    parts.extend(sa.not_(match(t)) for t in terms.none_of)
    return sa.and_(*parts)


def _value_term(t: str) -> ColumnElement[bool]:
    a = attributes
    if is_wildcard(t):
        return sa.or_(_match(a.c.value1, t), _match(a.c.value2, t))
    if not t:
        return sa.or_(a.c.value1 == t, a.c.value2 == t)
    conds = [value_index.value1_is(a, t), value_index.value2_is(a, t)]
    if "|" in t:
        first, second = t.split("|", 1)
        conds.append(sa.and_(value_index.value1_is(a, first), a.c.value2 == second))
    return sa.or_(*conds)


def _tag_ids(term: str) -> sa.Select[Any]:
    col = tags.c.name
    cond = col.like(term) if "%" in term else col == term
    if as_id(term) is not None:
        cond = sa.or_(cond, tags.c.id == as_id(term))
    return sa.select(tags.c.id).where(cond)


def _attr_tag_term(t: str) -> ColumnElement[bool]:
    """An attribute carries tag ``t`` itself or through its event (as MISP matches)."""
    ids = _tag_ids(t)
    direct = sa.exists().where(
        attribute_tags.c.attribute_id == attributes.c.id, attribute_tags.c.tag_id.in_(ids)
    )
    inherited = sa.exists().where(
        event_tags.c.event_id == attributes.c.event_id, event_tags.c.tag_id.in_(ids)
    )
    return sa.or_(direct, inherited)


def _event_tag_term(t: str) -> ColumnElement[bool]:
    return sa.exists().where(
        event_tags.c.event_id == events.c.id, event_tags.c.tag_id.in_(_tag_ids(t))
    )


def _events_tag_clause(
    terms: Terms, viewer: Viewer, *, unpublished_private: bool
) -> ColumnElement[bool] | None:
    """``tags`` of ``events/restSearch``, as MISP's events scope reads it: an event
    matches a tag it carries or that one of its attributes (that the viewer may see)
    carries; a NOT tag excludes only events that carry it themselves (the attributes
    that carry it are left out of the answer, see
    :func:`threatmesh.services.search.events.without_not_tagged`)."""

    def term(t: str) -> ColumnElement[bool]:
        a, at = attributes, attribute_tags
        on_attribute = sa.exists().where(
            a.c.event_id == events.c.id,
            a.c.deleted.is_(False),
            at.c.attribute_id == a.c.id,
            at.c.tag_id.in_(_tag_ids(t)),
            acl.attribute_visible(viewer, a, events, unpublished_private=unpublished_private),
        )
        return sa.or_(_event_tag_term(t), on_attribute)

    positive = terms_clause(Terms(terms.any_of, terms.all_of), term, exact_and_is_in=False)
    negative = [sa.not_(_event_tag_term(t)) for t in terms.none_of]
    parts = [c for c in (positive, *negative) if c is not None]
    return sa.and_(*parts) if parts else None


def _org_term(t: str) -> ColumnElement[bool]:
    org = organisations
    cond = sa.or_(org.c.name == t, org.c.uuid == t.lower())
    if as_id(t) is not None:
        cond = sa.or_(cond, org.c.id == as_id(t))
    return events.c.orgc_id.in_(sa.select(org.c.id).where(cond))


def _event_ref_term(t: str) -> ColumnElement[bool]:
    num = as_id(t)
    return events.c.id == num if num is not None else events.c.uuid == t.lower()


def _range(col: Any, span: tuple[Any, Any]) -> list[ColumnElement[bool]]:
    lo, hi = span
    out = []
    if lo is not None:
        out.append(col >= lo)
    if hi is not None:
        out.append(col <= hi)
    return out


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"from/to: {text!r} is not a date (YYYY-MM-DD)") from None


def event_conditions(q: Query, *, sharing_group: bool = True) -> list[ColumnElement[bool]]:
    """Filters on the event row (shared by both controllers; ``sharing_group``: False
    when the attributes scope applies it to the event or the attribute)."""
    e = events
    conds = [
        terms_clause(q.org, _org_term),
        terms_clause(q.event_id, _event_ref_term),
        terms_clause(q.eventinfo, lambda t: _match(e.c.info, t)),
        terms_clause(q.event_tags, _event_tag_term, exact_and_is_in=False),
    ]
    out = [c for c in conds if c is not None]
    out += _range(e.c.date, (_date(q.date[0]), _date(q.date[1])))
    out += _range(e.c.publish_timestamp, q.publish_timestamp)
    out += _range(e.c.timestamp, q.event_timestamp)
    if q.published is not None:
        out.append(e.c.published.is_(q.published))
    for col, allowed in (
        (e.c.distribution, q.distribution),
        (e.c.threat_level_id, q.threat_level),
        (e.c.analysis, q.analysis),
        (e.c.sharing_group_id, q.sharing_group if sharing_group else ()),
    ):
        if allowed:
            out.append(col.in_(allowed))
    return out


def attribute_conditions(
    q: Query, viewer: Viewer, *, unpublished_private: bool, tags: bool = True
) -> list[ColumnElement[bool]]:
    """Every filter of an attributes/restSearch, access control included (``tags``:
    False when the events scope applies the tag filter itself)."""
    a = attributes
    conds = [
        terms_clause(q.value, _value_term),
        terms_clause(q.type, lambda t: _match(a.c.type, t)),
        terms_clause(q.category, lambda t: _match(a.c.category, t)),
        terms_clause(q.tags, _attr_tag_term, exact_and_is_in=False) if tags else None,
        terms_clause(q.uuid, lambda t: sa.or_(a.c.uuid == t.lower(), events.c.uuid == t.lower())),
        terms_clause(
            q.object_name,
            lambda t: a.c.object_id.in_(sa.select(objects.c.id).where(_match(objects.c.name, t))),
        ),
    ]
    out = [c for c in conds if c is not None] + event_conditions(q, sharing_group=False)
    if q.sharing_group:
        # MISP's sharinggroup filter: the attribute's own sharing group or its event's.
        groups = q.sharing_group
        out.append(sa.or_(a.c.sharing_group_id.in_(groups), events.c.sharing_group_id.in_(groups)))
    out += _range(a.c.timestamp, q.timestamp)
    if q.to_ids is not None:
        out.append(a.c.to_ids.is_(q.to_ids))
    if q.deleted == "no":
        out.append(a.c.deleted.is_(False))
    elif q.deleted == "only":
        out.append(a.c.deleted.is_(True))
    out.append(acl.attribute_visible(viewer, a, events, unpublished_private=unpublished_private))
    return out


def tag_refs() -> sa.Label[Any]:
    """``tag_refs``: the attribute's tags as ``"id:local,id:local"`` in the row itself,
    so a page of attributes needs no second statement for its tags (tag names and
    colours come from :func:`threatmesh.storage.events.reads.tags_from_refs`' cache)."""
    return TAG_REFS


def iter_attributes(
    conn_factory: ConnFactory,
    q: Query,
    viewer: Viewer,
    render: Callable[[Connection, Sequence[Row]], _T],
    *,
    unpublished_private: bool = False,
    lookup: ConnFactory | None = None,
) -> Iterator[_T]:
    """Matching attribute rows (with ``event_uuid``), a page at a time in id order,
    each page turned into ``render(conn, rows)`` on the connection that read it.

    ``conn_factory`` opens a short read transaction per page, so no connection is held
    while the caller streams the previous page to the client. Empty pages are skipped.
    A plain lookup of one value reads on ``lookup`` connections when given (see
    :func:`threatmesh.storage.core.database.lookup_engine`; ``render`` must then issue only
    statements fit for them).
    """
    point = point_value(q)
    if point is not None:
        factory = lookup or conn_factory
        yield from iter_point(factory, point, viewer, render, unpublished_private)
        return
    conds = attribute_conditions(q, viewer, unpublished_private=unpublished_private)
    base = PAGE_SELECT.where(*conds)
    ordered = attribute_order(q)
    if ordered is not None:
        base = base.order_by(None).order_by(*ordered)
        yield from offset_pages(conn_factory, base, render, limit=q.limit, page=q.page)
        return
    if q.limit is not None:
        with conn_factory() as conn:
            stmt = base.limit(q.limit).offset((q.page - 1) * q.limit)
            rows = list(conn.execute(stmt).mappings())
            if rows:
                yield render(conn, rows)
        return

    def fetch(conn: Connection, last: int) -> list[Any]:
        return list(conn.execute(base.where(attributes.c.id > last).limit(PAGE)).mappings())

    yield from keyset_pages(conn_factory, fetch, render)


def event_ids(
    conn: Connection,
    q: Query,
    viewer: Viewer,
    *,
    attribute_level: bool,
    unpublished_private: bool = False,
) -> list[int]:
    """Ids of the events matching ``q`` (sorted, paged). With ``attribute_level``,
    attribute filters (value, type, ...) select events that have a matching attribute."""
    order = event_order(q)
    visible = acl.event_visible(viewer, unpublished_private=unpublished_private)
    conds = [*event_conditions(q), visible]
    if attribute_level:
        tag_clause = _events_tag_clause(q.tags, viewer, unpublished_private=unpublished_private)
    else:
        tag_clause = terms_clause(q.tags, _event_tag_term, exact_and_is_in=False)
    if tag_clause is not None:
        conds.append(tag_clause)
    if attribute_level and _has_attribute_filters(q):
        inner = attribute_conditions(q, viewer, unpublished_private=unpublished_private, tags=False)
        conds.append(sa.exists().where(attributes.c.event_id == events.c.id, *inner))
    stmt = sa.select(events.c.id).where(*conds).order_by(*order)
    if q.limit is not None:
        stmt = stmt.limit(q.limit).offset((q.page - 1) * q.limit)
    return list(conn.execute(stmt).scalars())


def _has_attribute_filters(q: Query) -> bool:
    return bool(
        q.value
        or q.type
        or q.category
        or q.uuid
        or q.object_name
        or q.to_ids is not None
        or q.timestamp != (None, None)
        # MISP's events/restSearch {"deleted": 1}: events with deleted attributes (that
        # the viewer may see: another organisation's never count).
        or q.deleted == "only"
    )
