"""Applying an edit to an existing event (MISP's ``events/edit`` semantics).

Content is matched by UUID: known attributes and objects are updated when the incoming
copy is at least as new as the stored one, unknown ones are added, and nothing absent
from the payload is removed (deletion is explicit, with ``deleted: true``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft
from threatmesh.model.errors import UuidTaken
from threatmesh.storage.core import driver
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    ip_index,
    objects,
    tags,
)
from threatmesh.storage.events import writes
from threatmesh.storage.events.attributes import similar_attributes, similar_key

_EVENT_FIELDS = (
    "info",
    "date",
    "threat_level_id",
    "analysis",
    "distribution",
    "sharing_group_id",
    "disable_correlation",
    "extends_uuid",
)
_ATTR_FIELDS = (
    "type",
    "category",
    "value1",
    "value2",
    "value1_key",
    "value2_key",
    "to_ids",
    "distribution",
    "sharing_group_id",
    "comment",
    "deleted",
    "disable_correlation",
    "first_seen",
    "last_seen",
    "object_relation",
)


def apply_event_edit(
    conn: Connection,
    row: RowMapping,
    draft: EventDraft,
    *,
    now: int,
    publish: bool,
) -> set[str]:
    """Write ``draft`` over event ``row`` inside the caller's transaction. Returns the
    UUIDs of the attributes left alone because the stored copy is newer."""
    event_id = row["id"]
    new = writes.event_row(draft)
    values: dict[str, Any] = {k: new[k] for k in _EVENT_FIELDS if k in draft.present}
    if "distribution" in draft.present:
        values["sharing_group_id"] = new["sharing_group_id"]
    values.update(timestamp=max(now, row["timestamp"]), published=publish)
    if publish:
        values["publish_timestamp"] = now
    conn.execute(events.update().where(events.c.id == event_id).values(**values))
    tag_ids = writes.ensure_tags(conn, writes.all_tags(draft))
    if "Tag" in draft.present or "EventTag" in draft.present:
        keep = [tag_ids[t.name] for t in draft.tags]
        conn.execute(
            event_tags.delete().where(
                event_tags.c.event_id == event_id,
                event_tags.c.local.is_(False),
                event_tags.c.tag_id.not_in(keep),
                # the API never shows non-exportable tags: their absence is no removal
                event_tags.c.tag_id.in_(sa.select(tags.c.id).where(tags.c.exportable.is_(True))),
            )
        )
        writes.set_event_tags(conn, event_id, draft.tags, tag_ids)
    stale = upsert_attributes(conn, event_id, draft.attributes, tag_ids=tag_ids, object_id=0)
    stale |= upsert_objects(conn, event_id, draft.objects, tag_ids=tag_ids)
    writes.recount_attributes(conn, event_id)
    return stale


def _existing(conn: Connection, table: sa.Table, uuids: Sequence[str]) -> dict[str, RowMapping]:
    out: dict[str, RowMapping] = {}
    for i in range(0, len(uuids), 500):
        q = sa.select(table).where(table.c.uuid.in_(uuids[i : i + 500]))
        out.update({r["uuid"]: r for r in conn.execute(q).mappings()})
    return out


def upsert_attributes(
    conn: Connection,
    event_id: int,
    drafts: Sequence[AttributeDraft],
    *,
    tag_ids: dict[str, int],
    object_id: int,
) -> set[str]:
    """Update the attributes ``drafts`` names by UUID and insert the others; the UUIDs
    of those left alone: the stored copy is newer, or (outside objects) a new one
    repeats the type, category and value of a live attribute of the event, which
    MISP's ``uniqueValue`` rule drops (PyMISP's ``update_event`` of an event whose
    attributes came back with new UUIDs must not double them)."""
    known = _existing(conn, attributes, [a.uuid for a in drafts])
    fresh, stale = [], set()
    for a in drafts:
        old = known.get(a.uuid)
        if old is None:
            fresh.append(a)
            continue
        if old["event_id"] != event_id:
            # Whose it is, and whether the user may see it, is not said.
            raise UuidTaken("attribute", a.uuid)
        if a.timestamp < old["timestamp"]:
            stale.add(a.uuid)
            continue  # the stored copy is newer: MISP keeps it
        row = writes.attribute_row(event_id, a, object_id)
        # A newer copy is saved even when no field changed (a tag was added): MISP
        # stamps it with the time of the edit when the client sent no timestamp.
        if a.timestamp > old["timestamp"] or any(row[f] != old[f] for f in _ATTR_FIELDS):
            conn.execute(
                attributes.update()
                .where(attributes.c.id == old["id"])
                .values({f: row[f] for f in _ATTR_FIELDS} | {"timestamp": a.timestamp})
            )
            conn.execute(ip_index.delete().where(ip_index.c.attribute_id == old["id"]))
            writes.index_ips(conn, [(old["id"], a)])
        if a.tags:
            conn.execute(
                driver.insert_ignore(conn, attribute_tags),
                [
                    {
                        "attribute_id": old["id"],
                        "event_id": event_id,
                        "tag_id": tag_ids[t.name],
                        "local": t.local,
                    }
                    for t in a.tags
                ],
            )
    if object_id == 0:
        repeated = {id(a) for a in _repeated(conn, event_id, fresh)}
        stale |= {a.uuid for a in fresh if id(a) in repeated}
        fresh = [a for a in fresh if id(a) not in repeated]
    writes.insert_attributes(conn, event_id, fresh, tag_ids=tag_ids, object_id=object_id)
    return stale


def _repeated(
    conn: Connection, event_id: int, fresh: Sequence[AttributeDraft]
) -> list[AttributeDraft]:
    """The new live attributes (outside objects) that repeat a live attribute of the
    event, or one before them in ``fresh``."""
    live = [a for a in fresh if not a.deleted]
    seen = set(similar_attributes(conn, event_id, live))
    out = []
    for a in live:
        key = similar_key(a)
        if key in seen:
            out.append(a)
        seen.add(key)
    return out


def upsert_objects(
    conn: Connection, event_id: int, drafts: Sequence[ObjectDraft], *, tag_ids: dict[str, int]
) -> set[str]:
    """Update objects by UUID (and their attributes), insert the new ones; the UUIDs of
    attributes left alone because the stored copy is newer."""
    known = _existing(conn, objects, [o.uuid for o in drafts])
    fresh, stale = [], set()
    for o in drafts:
        old = known.get(o.uuid)
        if old is None:
            fresh.append(o)
            continue
        if old["event_id"] != event_id:
            raise UuidTaken("object", o.uuid)
        if o.timestamp >= old["timestamp"]:
            row = writes.object_row(event_id, o)
            conn.execute(
                objects.update()
                .where(objects.c.id == old["id"])
                .values({k: v for k, v in row.items() if k not in ("uuid", "event_id")})
            )
            if o.deleted:
                conn.execute(
                    attributes.update()
                    .where(attributes.c.object_id == old["id"])
                    .values(deleted=True)
                )
        stale |= upsert_attributes(
            conn, event_id, o.attributes, tag_ids=tag_ids, object_id=old["id"]
        )
    writes.insert_objects(conn, event_id, fresh, tag_ids=tag_ids)
    return stale
