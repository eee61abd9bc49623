"""``objects/restSearch``: the ids of the objects a viewer may see that match MISP's
object filters (``MispObject::buildFilterConditions``).

Filters on the object itself (name, template, ``deleted``) and on its event (event id,
info, dates, organisation, ...) apply to the object row; attribute filters (value,
type, category, tags, ``object_relation``, ``to_ids``, timestamp) select the objects
that hold a matching attribute, as MISP's sub-query on ``Attribute.object_id`` does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from threatmesh.model.access import Viewer
from threatmesh.model.query import Query, Terms
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, objects
from threatmesh.storage.search import queries


@dataclasses.dataclass(frozen=True)
class ObjectFilters:
    """What ``objects/restSearch`` adds to the common filters of :class:`Query`."""

    template_uuid: Terms = dataclasses.field(default_factory=Terms)
    template_version: Terms = dataclasses.field(default_factory=Terms)
    object_relation: Terms = dataclasses.field(default_factory=Terms)


def _match(col: ColumnElement[Any], term: str) -> ColumnElement[bool]:
    return col.ilike(term) if "%" in term else col == term


def _attribute_level(q: Query, extra: ObjectFilters) -> bool:
    return bool(
        q.value
        or q.type
        or q.category
        or q.tags
        or extra.object_relation
        or q.to_ids is not None
        or q.timestamp != (None, None)
    )


def _attribute_match(
    q: Query, extra: ObjectFilters, viewer: Viewer, unpublished_private: bool
) -> ColumnElement[bool]:
    """An attribute of the object (``objects.c.id``) passes the attribute filters."""
    # The uuid filter names objects here, not attributes; "deleted" is the object's.
    inner = dataclasses.replace(q, uuid=Terms(), object_name=Terms(), deleted="no")
    conds = queries.attribute_conditions(inner, viewer, unpublished_private=unpublished_private)
    rel = queries.terms_clause(
        extra.object_relation, lambda t: _match(attributes.c.object_relation, t)
    )
    if rel is not None:
        conds.append(rel)
    return sa.exists().where(attributes.c.object_id == objects.c.id, *conds)


def object_ids(
    conn: Connection,
    q: Query,
    extra: ObjectFilters,
    viewer: Viewer,
    *,
    unpublished_private: bool,
) -> list[int]:
    """Ids of the visible objects matching ``q`` and ``extra``, in id order, paged by
    ``q.limit`` and ``q.page``."""
    o = objects
    conds: list[ColumnElement[bool] | None] = [
        acl.event_visible(viewer, unpublished_private=unpublished_private),
        acl.object_visible_in_event(viewer, o, events),
        *queries.event_conditions(q),
        queries.terms_clause(q.object_name, lambda t: _match(o.c.name, t)),
        queries.terms_clause(extra.template_uuid, lambda t: o.c.template_uuid == t.lower()),
        queries.terms_clause(extra.template_version, lambda t: o.c.template_version == t),
        queries.terms_clause(
            q.uuid, lambda t: sa.or_(o.c.uuid == t.lower(), events.c.uuid == t.lower())
        ),
    ]
    if q.deleted != "both":
        conds.append(o.c.deleted.is_(q.deleted == "only"))
    if _attribute_level(q, extra):
        conds.append(_attribute_match(q, extra, viewer, unpublished_private))
    stmt = (
        sa.select(o.c.id)
        .select_from(o.join(events, events.c.id == o.c.event_id))
        .where(*[c for c in conds if c is not None])
        .order_by(o.c.id)
    )
    if q.limit is not None:
        stmt = stmt.limit(q.limit).offset((q.page - 1) * q.limit)
    return list(conn.execute(stmt).scalars())
