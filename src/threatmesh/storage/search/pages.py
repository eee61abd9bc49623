"""The page statement of attribute searches: attribute rows with their event's UUID and
owner and their tags, in id order (shared by the general and the fast path)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.storage.core.tables import attribute_tags, attributes, events

#: Attributes per page (keyset pagination, ``id > last``).
PAGE = 1000
_T = TypeVar("_T")
Row = Mapping[Any, Any]  # SQLAlchemy's RowMapping, or the fast path's dict
ConnFactory = Callable[[], AbstractContextManager[Connection]]


def _tag_refs() -> sa.Label[Any]:
    at = attribute_tags
    # Constants as literals, not bound parameters: they are the same for every search,
    # and a bound one makes each execution carry (and PostgreSQL plan around) a value.
    one, zero = sa.literal_column("'1'", sa.String), sa.literal_column("'0'", sa.String)
    local = sa.case((at.c.local.is_(True), one), else_=zero)
    ref = sa.cast(at.c.tag_id, sa.String) + sa.literal_column("':'") + local
    return (
        sa.select(sa.func.aggregate_strings(ref, ","))
        .where(at.c.attribute_id == attributes.c.id)
        .scalar_subquery()
        .label("tag_refs")
    )


# Built once: the expression is the same for every search, and building it is a tenth
# of a restSearch by value (SQLAlchemy constructs are immutable, so sharing is safe).
TAG_REFS = _tag_refs()
PAGE_SELECT = (
    sa.select(
        attributes,
        events.c.uuid.label("event_uuid"),
        events.c.org_id.label("event_org_id"),
        # The rest of MISP's Attribute.Event ({id, uuid, info, org_id, orgc_id,
        # distribution}): PyMISP's pythonify needs ``info``.
        events.c.orgc_id.label("event_orgc_id"),
        events.c.info.label("event_info"),
        events.c.distribution.label("event_distribution"),
        TAG_REFS,
    )
    .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
    .order_by(attributes.c.id)
)


def keyset_pages(
    conn_factory: ConnFactory,
    fetch: Callable[[Connection, int], Sequence[Row]],
    render: Callable[[Connection, Sequence[Row]], _T],
) -> Iterator[_T]:
    """``render(conn, rows)`` of each page that ``fetch(conn, last)`` reads (rows with
    ``id > last``, at most :data:`PAGE`, in id order), each page on its own short
    connection so none is held while the caller streams the previous page."""
    last = 0
    while True:
        with conn_factory() as conn:
            rows = fetch(conn, last)
            if not rows:
                return
            page = render(conn, rows)
        yield page
        last = rows[-1]["id"]
        if len(rows) < PAGE:
            return


def offset_pages(
    conn_factory: ConnFactory,
    stmt: sa.Select[Any],
    render: Callable[[Connection, Sequence[Row]], _T],
    *,
    limit: int | None,
    page: int,
) -> Iterator[_T]:
    """Pages of ``stmt`` in its own order (restSearch ``order``: not the id order that
    keyset pagination needs): the one page ``limit``/``page`` asks for, or every page
    of :data:`PAGE` rows, each read on its own short connection."""
    if limit is not None:
        starts: Iterator[int] = iter([(page - 1) * limit])
        size = limit
    else:
        starts, size = itertools.count(0, PAGE), PAGE
    for start in starts:
        with conn_factory() as conn:
            rows = list(conn.execute(stmt.limit(size).offset(start)).mappings())
            if not rows:
                return
            out = render(conn, rows)
        yield out
        if len(rows) < size:
            return
