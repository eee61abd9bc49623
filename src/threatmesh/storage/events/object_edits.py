"""Editing one object as MISP's ``objects/edit`` does (``MispObject::deltaMerge``).

The object's own fields that the request sends are written; its attributes are matched
by UUID: a matched attribute whose fields differ is updated (and stamped with the time
of the edit), an unmatched one is added to the object, and the object's attributes the
request leaves out are soft-deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import UuidTaken
from threatmesh.storage.core import driver
from threatmesh.storage.core.tables import attribute_tags, attributes, objects
from threatmesh.storage.events import writes
from threatmesh.storage.events.attributes import update_attribute

#: The fields MISP compares to decide that an attribute changed (``deltaMerge``'s
#: ``$checkFields``), as our columns.
_CHECKED = (
    "category",
    "value1",
    "value2",
    "to_ids",
    "distribution",
    "sharing_group_id",
    "comment",
    "disable_correlation",
    "first_seen",
    "last_seen",
    "deleted",
)


@dataclass
class Delta:
    """What an object edit did to the object's attributes (their ids)."""

    added: list[int] = field(default_factory=list)
    edited: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


def object_row(conn: Connection, object_id: int) -> RowMapping:
    """The ``objects`` row ``object_id`` (no access control)."""
    return conn.execute(sa.select(objects).where(objects.c.id == object_id)).mappings().one()


def object_attributes(conn: Connection, object_id: int) -> list[RowMapping]:
    """Every attribute of the object (deleted ones too), in id order."""
    q = sa.select(attributes).where(attributes.c.object_id == object_id).order_by(attributes.c.id)
    return list(conn.execute(q).mappings())


def update_object(conn: Connection, object_id: int, values: dict[str, Any]) -> None:
    """Write ``values`` over the object's columns."""
    conn.execute(objects.update().where(objects.c.id == object_id).values(**values))


def _tag(conn: Connection, old: RowMapping, draft: AttributeDraft, tag_ids: dict[str, int]) -> None:
    if draft.tags:
        conn.execute(
            driver.insert_ignore(conn, attribute_tags),
            [
                {
                    "attribute_id": old["id"],
                    "event_id": old["event_id"],
                    "tag_id": tag_ids[t.name],
                    "local": t.local,
                }
                for t in draft.tags
            ],
        )


def _foreign(conn: Connection, uuids: Sequence[str], object_id: int) -> str | None:
    """The first of ``uuids`` already used by an attribute outside the object."""
    if not uuids:
        return None
    q = sa.select(attributes.c.uuid).where(
        attributes.c.uuid.in_(uuids), attributes.c.object_id != object_id
    )
    return conn.execute(q.limit(1)).scalar()


def merge_attributes(
    conn: Connection,
    obj: RowMapping,
    drafts: Sequence[AttributeDraft],
    *,
    tag_ids: dict[str, int],
    now: int,
) -> Delta:
    """Apply the attributes ``drafts`` to object ``obj`` as ``deltaMerge`` does (see the
    module docstring); a new attribute whose UUID another attribute uses is refused."""
    mine = {r["uuid"]: r for r in object_attributes(conn, obj["id"])}
    fresh = [d for d in drafts if d.uuid not in mine]
    taken = _foreign(conn, [d.uuid for d in fresh], obj["id"])
    if taken is not None:
        raise UuidTaken("attribute", taken)
    delta = Delta()
    sent = set()
    for d in drafts:
        old = mine.get(d.uuid)
        if old is None:
            continue
        sent.add(d.uuid)
        row = writes.attribute_row(obj["event_id"], d, obj["id"])
        if any(row[f] != old[f] for f in _CHECKED):
            values = {k: v for k, v in row.items() if k not in ("uuid", "event_id", "object_id")}
            update_attribute(conn, old["id"], values | {"timestamp": now}, d)
            delta.edited.append(old["id"])
        _tag(conn, old, d, tag_ids)
    for d in fresh:
        d.timestamp = now
    delta.added = writes.insert_attributes(
        conn, obj["event_id"], fresh, tag_ids=tag_ids, object_id=obj["id"]
    )
    gone = [r["id"] for u, r in mine.items() if u not in sent and not r["deleted"]]
    if gone:
        conn.execute(
            attributes.update().where(attributes.c.id.in_(gone)).values(deleted=True, timestamp=now)
        )
    delta.removed = gone
    return delta
