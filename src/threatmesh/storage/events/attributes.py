"""One attribute at a time: find it as a viewer may see it, update it, delete it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer
from threatmesh.model.drafts import AttributeDraft
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, ip_index
from threatmesh.storage.correlation.value_index import value_key
from threatmesh.storage.events import writes
from threatmesh.storage.events.events import attachment_uuids


def find_visible(
    conn: Connection, viewer: Viewer, ref: str, *, unpublished_private: bool
) -> RowMapping | None:
    """The attribute with id or UUID ``ref`` if ``viewer`` may see it (its ``attributes``
    row), else None."""
    num = as_id(ref)
    cond = attributes.c.id == num if num is not None else attributes.c.uuid == ref.lower()
    q = (
        sa.select(attributes)
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(
            cond,
            acl.attribute_visible(
                viewer, attributes, events, unpublished_private=unpublished_private
            ),
        )
    )
    return conn.execute(q).mappings().first()


#: What makes two attributes of an event "similar" for MISP's ``uniqueValue`` rule.
SimilarKey = tuple[str, str, str, str]


def similar_key(a: AttributeDraft) -> SimilarKey:
    """``(type, category, value1, value2)`` of a draft."""
    return (a.type, a.category, a.value1, a.value2)


def similar_attributes(
    conn: Connection, event_id: int, drafts: Sequence[AttributeDraft]
) -> dict[SimilarKey, RowMapping]:
    """The live attributes outside objects of event ``event_id`` with the type,
    category and value of one of ``drafts`` (MISP's ``findAttributeByValue``), by
    :func:`similar_key`; the ``id`` and ``uuid`` of each."""
    out: dict[SimilarKey, RowMapping] = {}
    values = sorted({d.value1 for d in drafts})
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        q = sa.select(
            attributes.c.id,
            attributes.c.uuid,
            attributes.c.type,
            attributes.c.category,
            attributes.c.value1,
            attributes.c.value2,
        ).where(
            attributes.c.value1_key.in_(sorted({value_key(v) for v in chunk})),
            attributes.c.value1.in_(chunk),
            attributes.c.event_id == event_id,
            attributes.c.object_id == 0,
            attributes.c.deleted.is_(False),
        )
        for r in conn.execute(q.order_by(attributes.c.id)).mappings():
            key = (r["type"], r["category"], r["value1"], r["value2"])
            out.setdefault(key, r)
    return out


def attributes_by_id(conn: Connection, attribute_ids: Sequence[int]) -> list[RowMapping]:
    """The ``attributes`` rows ``attribute_ids``, in id order (no access control)."""
    q = sa.select(attributes).where(attributes.c.id.in_(attribute_ids)).order_by(attributes.c.id)
    return list(conn.execute(q).mappings())


def update_attribute(
    conn: Connection, attribute_id: int, values: dict[str, Any], draft: AttributeDraft
) -> None:
    """Write ``values`` over the attribute's columns and index its IP value again
    (``draft`` is what ``values`` came from)."""
    conn.execute(attributes.update().where(attributes.c.id == attribute_id).values(**values))
    conn.execute(ip_index.delete().where(ip_index.c.attribute_id == attribute_id))
    writes.index_ips(conn, [(attribute_id, draft)])


def delete_attribute(conn: Connection, attribute_id: int) -> list[str]:
    """Delete the attribute for good; its UUID if it is an attachment (its file is for
    the caller to remove after the commit)."""
    files = attachment_uuids(conn, attributes.c.id == attribute_id)
    conn.execute(attributes.delete().where(attributes.c.id == attribute_id))
    return files


def soft_delete_attribute(conn: Connection, attribute_id: int, now: int) -> None:
    """Mark the attribute ``deleted`` (at ``now``)."""
    conn.execute(
        attributes.update()
        .where(attributes.c.id == attribute_id)
        .values(deleted=True, timestamp=now)
    )


def visible_page(
    conn: Connection,
    viewer: Viewer,
    *,
    unpublished_private: bool,
    limit: int,
    offset: int = 0,
    value: str | None = None,
) -> list[RowMapping]:
    """A page of the live attributes ``viewer`` may see, newest events first (MISP's
    ``attributes/index``: by ``event_id`` descending, here by id within an event);
    with ``value``, those whose value (or either part of a compound one) is it."""
    q = (
        sa.select(attributes)
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(
            attributes.c.deleted.is_(False),
            acl.attribute_visible(
                viewer, attributes, events, unpublished_private=unpublished_private
            ),
        )
    )
    if value is not None:
        key = value_key(value)
        q = q.where(
            sa.or_(
                sa.and_(attributes.c.value1_key == key, attributes.c.value1 == value),
                sa.and_(attributes.c.value2_key == key, attributes.c.value2 == value),
            )
        )
    q = q.order_by(attributes.c.event_id.desc(), attributes.c.id).limit(limit).offset(offset)
    return list(conn.execute(q).mappings())
