"""The fast path of attributes/restSearch: a plain lookup of one exact value.

A plain IOC lookup ("is this value known?") is most restSearch traffic. Its statement
is built once per kind of viewer and run with the value and the viewer's facts bound,
instead of being rebuilt from the filters on every request (building it cost more than
running it). It selects exactly what the general path selects for that query.

On PostgreSQL the statement is rendered to SQL once and run on the psycopg cursor
itself: SQLAlchemy's per-execution work (parameter processing, result metadata from
the cursor description, row objects) cost about as much as the query. Rows come back
as plain dicts. Errors are wrapped as SQLAlchemy's, as on any other path.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.access import Viewer
from threatmesh.model.query import Query
from threatmesh.storage.core import acl, driver
from threatmesh.storage.core.tables import attributes, events
from threatmesh.storage.correlation import value_index
from threatmesh.storage.search.pages import PAGE, PAGE_SELECT, ConnFactory, Row, keyset_pages

_T = TypeVar("_T")


def point_value(q: Query) -> str | None:
    """The value of a query that only asks for one exact value, else None."""
    terms = q.value
    if len(terms.any_of) != 1 or terms.all_of or terms.none_of:
        return None
    value = terms.any_of[0]
    if not value or "%" in value or "|" in value:
        return None
    # Field by field rather than comparing with a copy (dataclasses.replace): this runs
    # on every restSearch, and the copy was a tenth of a lookup's own time.
    for name, default in _FILTERS:
        if getattr(q, name) != default:
            return None
    return value


# Fields that only change how rows are rendered or ordered (attributes are always paged
# in id order), and the value itself; every other field of Query is a filter.
_NOT_FILTERS = {
    "value",
    "include_correlations",
    "include_sightings",
    "include_event_uuid",
    "include_event_tags",
    "include_context",
    "include_decay_score",
    "decaying_models",
    "model_overrides",
    "sort",
    "descending",
}
_FILTERS = tuple(
    (f.name, getattr(Query(), f.name))
    for f in dataclasses.fields(Query)
    if f.name not in _NOT_FILTERS
)


@functools.cache
def point_select(admin: bool, unpublished_private: bool) -> sa.Select[Any]:
    """The page statement of a plain lookup; binds ``value``, its ``key``
    (:func:`~threatmesh.storage.correlation.value_index.value_key`), ``last`` and, unless
    ``admin``, :func:`threatmesh.storage.core.acl.params`."""
    a = attributes
    value = sa.bindparam("value", type_=a.c.value1.type)
    key = sa.bindparam("key", type_=a.c.value1_key.type)
    # BOUND_VIEWER serves sync users too: this lookup never returns deleted attributes,
    # the one thing they see more of (acl.BOUND_SYNC_VIEWER).
    viewer = acl.ADMIN_VIEWER if admin else acl.BOUND_VIEWER
    visible = acl.attribute_visible(viewer, a, events, unpublished_private=unpublished_private)
    # The page size is a literal: a generic plan then knows it as a custom plan would.
    return PAGE_SELECT.where(
        sa.or_(value_index.value1_is(a, value, key), value_index.value2_is(a, value, key)),
        a.c.deleted.is_(False),
        visible,
        a.c.id > sa.bindparam("last"),
    ).limit(sa.literal_column(str(PAGE), sa.Integer))


@dataclasses.dataclass(frozen=True)
class _Rendered:
    """:func:`point_select` as driver SQL for one number of sharing groups."""

    sql: str
    fixed: dict[str, Any]  # parameters that are the same for every execution
    groups: tuple[str, ...]  # the driver's names of the expanded acl_groups
    names: tuple[str, ...]  # result column names, in order


# By (site admin, unpublished_private, number of sharing groups): the SQL text differs
# only in how many placeholders the viewer's groups take.
_RENDERED: dict[tuple[bool, bool, int], _Rendered] = {}


def _rendered(admin: bool, unpublished_private: bool, n_groups: int, dialect: Any) -> _Rendered:
    key = (admin, unpublished_private, n_groups)
    hit = _RENDERED.get(key)
    if hit is None:
        hit = _RENDERED[key] = _render(admin, unpublished_private, n_groups, dialect)
    return hit


def _render(admin: bool, unpublished_private: bool, n_groups: int, dialect: Any) -> _Rendered:
    stmt = point_select(admin, unpublished_private)
    sample: dict[str, Any] = {"value": "", "key": 0, "last": 0}
    if not admin:
        sample |= {"acl_org": 0, "acl_groups": list(range(n_groups))}
    state = stmt.compile(dialect=dialect).construct_expanded_state(sample, escape_names=False)
    groups = tuple(state.parameter_expansion.get("acl_groups", ()))
    bound = {"value", "key", "last", "acl_org", *groups}
    fixed = {k: v for k, v in state.parameters.items() if k not in bound}
    names = tuple(c.key for c in stmt.selected_columns if c.key is not None)
    return _Rendered(state.statement, fixed, groups, names)


def _driver_rows(conn: Connection, stmt: _Rendered, params: dict[str, Any]) -> list[Row]:
    dbapi_conn = conn.connection.driver_connection
    assert dbapi_conn is not None
    cur = dbapi_conn.cursor()
    try:
        cur.execute(stmt.sql, params)
        rows = cur.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        driver.reraise(conn, stmt.sql, params, exc, cur)
    finally:
        cur.close()
    names = stmt.names
    return [dict(zip(names, r, strict=True)) for r in rows]


def _page(conn: Connection, viewer: Viewer, up: bool, value: str, last: int) -> list[Row]:
    key = value_index.value_key(value)
    if conn.dialect.driver != "psycopg":
        stmt = point_select(viewer.site_admin, up)
        bound = {"value": value, "key": key, "last": last, **acl.params(viewer)}
        return list(conn.execute(stmt, bound).mappings())
    facts = acl.params(viewer)
    groups: list[int] = facts.pop("acl_groups", [])  # type: ignore[assignment]
    rendered = _rendered(viewer.site_admin, up, len(groups), conn.dialect)
    params = {**rendered.fixed, "value": value, "key": key, "last": last, **facts}
    params.update(zip(rendered.groups, groups, strict=True))
    return _driver_rows(conn, rendered, params)


def iter_point(
    conn_factory: ConnFactory,
    value: str,
    viewer: Viewer,
    render: Callable[[Connection, Sequence[Row]], _T],
    unpublished_private: bool,
) -> Iterator[_T]:
    """Pages of the attributes with ``value`` (value1, or value2 of a compound type)
    that ``viewer`` may see, as :func:`threatmesh.storage.search.queries.iter_attributes`."""

    def fetch(conn: Connection, last: int) -> list[Row]:
        return _page(conn, viewer, unpublished_private, value, last)

    yield from keyset_pages(conn_factory, fetch, render)
