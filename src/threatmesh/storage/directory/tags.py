"""The instance's tag catalogue as administration sees it (MISP's ``tags/view|edit|
delete|search|tagStatistics``): reading, changing and removing tags, and counting
their uses among what a viewer may see. Attaching tags to events and attributes is
:mod:`threatmesh.storage.events.tags`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attribute_tags, attributes, event_tags, events, tags


def find_tag(conn: Connection, ref: str) -> RowMapping | None:
    """A tag by id (digits) or exact name."""
    num = as_id(ref)
    cond = tags.c.id == num if num is not None else tags.c.name == ref
    return conn.execute(sa.select(tags).where(cond)).mappings().first()


def update_tag(conn: Connection, tag_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on tag ``tag_id``."""
    conn.execute(tags.update().where(tags.c.id == tag_id).values(**values))


def delete_tag(conn: Connection, tag_id: int) -> list[int]:
    """Delete tag ``tag_id`` and its links; the ids of the events it was on."""
    on = sa.select(event_tags.c.event_id).where(event_tags.c.tag_id == tag_id)
    via = sa.select(attribute_tags.c.event_id).where(attribute_tags.c.tag_id == tag_id)
    touched = sorted({int(i) for i in conn.execute(sa.union(on, via)).scalars()})
    conn.execute(event_tags.delete().where(event_tags.c.tag_id == tag_id))
    conn.execute(attribute_tags.delete().where(attribute_tags.c.tag_id == tag_id))
    conn.execute(tags.delete().where(tags.c.id == tag_id))
    return touched


def search(conn: Connection, patterns: list[str]) -> list[RowMapping]:
    """Tags whose lower-cased name is LIKE one of ``patterns`` (MISP's ``tags/search``)."""
    conds = [sa.func.lower(tags.c.name).like(p.lower()) for p in patterns]
    q = sa.select(tags).where(sa.or_(*conds)).order_by(tags.c.id)
    return list(conn.execute(q).mappings())


def uses(conn: Connection, viewer: Viewer, tag_id: int) -> tuple[int, int]:
    """How many events and attributes that ``viewer`` may see carry tag ``tag_id``."""
    ev_q = (
        sa.select(sa.func.count())
        .select_from(event_tags.join(events, events.c.id == event_tags.c.event_id))
        .where(event_tags.c.tag_id == tag_id, acl.event_visible(viewer))
    )
    at_q = (
        sa.select(sa.func.count())
        .select_from(
            attribute_tags.join(attributes, attributes.c.id == attribute_tags.c.attribute_id).join(
                events, events.c.id == attributes.c.event_id
            )
        )
        .where(
            attribute_tags.c.tag_id == tag_id,
            attributes.c.deleted.is_(False),
            acl.attribute_visible(viewer, attributes),
        )
    )
    return int(conn.execute(ev_q).scalar_one()), int(conn.execute(at_q).scalar_one())


def event_tag_counts(conn: Connection, viewer: Viewer) -> list[tuple[str, int]]:
    """(tag name, number of events ``viewer`` may see that carry it), tags in use."""
    q = (
        sa.select(tags.c.name, sa.func.count(event_tags.c.id))
        .select_from(
            event_tags.join(tags, tags.c.id == event_tags.c.tag_id).join(
                events, events.c.id == event_tags.c.event_id
            )
        )
        .where(acl.event_visible(viewer))
        .group_by(tags.c.name)
    )
    return [(str(n), int(c)) for n, c in conn.execute(q)]


def attribute_counts(conn: Connection, viewer: Viewer, column: str) -> list[tuple[str, int]]:
    """(type or category, number of live attributes ``viewer`` may see)."""
    col = attributes.c[column]
    q = (
        sa.select(col, sa.func.count())
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(attributes.c.deleted.is_(False), acl.attribute_visible(viewer, attributes))
        .group_by(col)
    )
    return [(str(k), int(n)) for k, n in conn.execute(q)]
