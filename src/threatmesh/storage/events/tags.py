"""Tags and their links to events and attributes, one at a time (the bulk writes of
an event's tags are :func:`threatmesh.storage.events.writes.ensure_tags` and
:func:`~threatmesh.storage.events.writes.set_event_tags`)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.core import driver
from threatmesh.storage.core.tables import attribute_tags, event_tags, tags


def tag_id(conn: Connection, ref: str) -> int | None:
    """The id of the tag named ``ref``, or whose id ``ref`` is; None if none is."""
    by_name_or_id = sa.or_(tags.c.name == ref, tags.c.id == (as_id(ref) or -1))
    found = conn.execute(sa.select(tags.c.id).where(by_name_or_id)).scalar()
    return None if found is None else int(found)


def tag_by_id(conn: Connection, tag_id: int) -> RowMapping:
    """The ``tags`` row ``tag_id`` (it must exist)."""
    return conn.execute(sa.select(tags).where(tags.c.id == tag_id)).mappings().one()


def tag_by_name(conn: Connection, name: str) -> RowMapping | None:
    """The ``tags`` row named ``name`` (exactly), or None."""
    return conn.execute(sa.select(tags).where(tags.c.name == name)).mappings().first()


def tags_named(conn: Connection, search: str | None = None) -> list[RowMapping]:
    """Every tag in name order; with ``search``, those named so (``%`` wildcards match
    case-insensitively)."""
    q = sa.select(tags).order_by(tags.c.name)
    if search:
        q = q.where(tags.c.name.ilike(search) if "%" in search else tags.c.name == search)
    return list(conn.execute(q).mappings())


def detach_from_event(conn: Connection, event_id: int, tag_id: int) -> bool | None:
    """Remove the tag from the event: whether it was attached as a local tag, None if
    it was not attached."""
    link = event_tags
    where = (link.c.event_id == event_id, link.c.tag_id == tag_id)
    local = conn.execute(sa.select(link.c.local).where(*where)).first()
    conn.execute(link.delete().where(*where))
    return None if local is None else bool(local[0])


def attach_to_attribute(
    conn: Connection, attribute_id: int, event_id: int, tag_id: int, *, local: bool
) -> None:
    """Attach the tag to the attribute of event ``event_id`` (nothing if it is)."""
    row = {"attribute_id": attribute_id, "event_id": event_id, "tag_id": tag_id, "local": local}
    conn.execute(driver.insert_ignore(conn, attribute_tags), row)


def detach_from_attribute(conn: Connection, attribute_id: int, tag_id: int) -> bool | None:
    """Remove the tag from the attribute: whether it was attached as a local tag, None
    if it was not attached."""
    link = attribute_tags
    where = (link.c.attribute_id == attribute_id, link.c.tag_id == tag_id)
    local = conn.execute(sa.select(link.c.local).where(*where)).first()
    conn.execute(link.delete().where(*where))
    return None if local is None else bool(local[0])


def restricted_tags(conn: Connection, names: Sequence[str]) -> list[RowMapping]:
    """``name``, ``org_id`` and ``user_id`` of the tags among ``names`` that are
    restricted to one organisation or one user."""
    out: list[RowMapping] = []
    restricted = sa.or_(tags.c.org_id != 0, tags.c.user_id != 0)
    for i in range(0, len(names), 500):
        q = sa.select(tags.c.name, tags.c.org_id, tags.c.user_id).where(
            tags.c.name.in_(names[i : i + 500]), restricted
        )
        out.extend(conn.execute(q).mappings())
    return out
