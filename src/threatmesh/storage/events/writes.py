"""Writing events, objects, attributes and tags (bulk, inside the caller's transaction)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft, TagRef
from threatmesh.model.validation import describe_types
from threatmesh.model.validation.values import ip_range, network_host_bits
from threatmesh.storage.core.driver import bulk_insert, insert_ignore, insert_ignore_for
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    ip_index,
    ip_network_sizes,
    object_references,
    objects,
    tags,
)
from threatmesh.storage.correlation import value_index

# Built once: these run in every write of an event (building a statement costs more
# than running it for a small event).
_TAG_IDS = sa.select(tags.c.name, tags.c.id).where(
    tags.c.name.in_(sa.bindparam("names", expanding=True))
)
_INSERT_OBJECT = objects.insert().returning(objects.c.id)
_TOP_ATTRIBUTE_ID = sa.select(sa.func.coalesce(sa.func.max(attributes.c.id), 0))


def ensure_tags(conn: Connection, refs: Iterable[TagRef]) -> dict[str, int]:
    """Ids of the tags named in ``refs``, creating the missing ones (race-safe).

    A tag created here is unrestricted (``org_id`` and ``user_id`` 0), as MISP's
    ``Tag::captureTag`` creates the tags that events bring: in MISP those columns do
    not say who made a tag, they restrict its use to one organisation or one user
    (and an organisation a tag is restricted to cannot be deleted)."""
    wanted = {r.name: r for r in refs}
    if not wanted:
        return {}
    found = dict(conn.execute(_TAG_IDS, {"names": list(wanted)}).all())
    missing = [r for name, r in wanted.items() if name not in found]
    if missing:
        conn.execute(
            insert_ignore(conn, tags),
            [
                {"name": r.name, "colour": r.colour or "#0088cc", "org_id": 0, "user_id": 0}
                for r in missing
            ],
        )
        found.update(conn.execute(_TAG_IDS, {"names": [r.name for r in missing]}).all())
    return found


def event_row(draft: EventDraft) -> dict[str, Any]:
    """The columns of ``events`` that come from the draft itself."""
    return {
        "uuid": draft.uuid,
        "info": draft.info,
        "date": draft.date,
        "threat_level_id": draft.threat_level_id,
        "analysis": draft.analysis,
        "distribution": draft.distribution,
        "sharing_group_id": draft.sharing_group_id,
        "published": draft.published,
        "timestamp": draft.timestamp,
        "publish_timestamp": draft.publish_timestamp,
        "disable_correlation": draft.disable_correlation,
        "extends_uuid": draft.extends_uuid,
    }


@dataclass(slots=True)
class Written:
    """The ``attributes`` and ``objects`` rows an insert wrote, with their ids (in the
    order written), so that the caller can answer without reading them back."""

    attributes: list[dict[str, Any]] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)


def insert_event(
    conn: Connection,
    draft: EventDraft,
    *,
    org_id: int,
    orgc_id: int,
    user_id: int,
    locked: bool,
    written: Written | None = None,
) -> int | None:
    """Insert an event with all its content; return its id (and collect the rows of
    its content in ``written``, if given), or None, writing nothing, when an event
    with the draft's UUID exists (found by the insert itself: no lookup before)."""
    row = event_row(draft) | {
        "org_id": org_id,
        "orgc_id": orgc_id,
        "user_id": user_id,
        "locked": locked,
        "attribute_count": sum(1 for a in draft.all_attributes() if not a.deleted),
    }
    event_id: int | None = conn.execute(_new_event(conn.dialect.name), row).scalar()
    if event_id is None:
        return None
    tag_ids = ensure_tags(conn, all_tags(draft))
    set_event_tags(conn, event_id, draft.tags, tag_ids)
    insert_attributes(conn, event_id, draft.attributes, tag_ids=tag_ids, written=written)
    insert_objects(conn, event_id, draft.objects, tag_ids=tag_ids, written=written)
    return event_id


@functools.cache
def _new_event(dialect_name: str) -> Any:
    """``INSERT INTO events ... ON CONFLICT DO NOTHING RETURNING id``, built once."""
    return insert_ignore_for(dialect_name, events).returning(events.c.id)


def all_tags(draft: EventDraft) -> list[TagRef]:
    out = list(draft.tags)
    for attr in draft.all_attributes():
        out.extend(attr.tags)
    return out


def set_event_tags(
    conn: Connection, event_id: int, refs: Sequence[TagRef], tag_ids: dict[str, int]
) -> None:
    """Attach tags to an event (already attached ones are left alone)."""
    if refs:
        conn.execute(
            insert_ignore(conn, event_tags),
            [{"event_id": event_id, "tag_id": tag_ids[r.name], "local": r.local} for r in refs],
        )


def attribute_row(event_id: int, a: AttributeDraft, object_id: int) -> dict[str, Any]:
    """The ``attributes`` row of a draft."""
    return {
        "uuid": a.uuid,
        "event_id": event_id,
        "object_id": object_id,
        "object_relation": a.object_relation,
        "type": a.type,
        "category": a.category,
        "value1": a.value1,
        "value2": a.value2,
        **value_index.row_keys(a.value1, a.value2),
        "to_ids": a.to_ids,
        "distribution": a.distribution,
        "sharing_group_id": a.sharing_group_id,
        "comment": a.comment,
        "deleted": a.deleted,
        "disable_correlation": a.disable_correlation,
        "timestamp": a.timestamp,
        "first_seen": a.first_seen,
        "last_seen": a.last_seen,
        "envelope": a.envelope,
    }


def insert_attributes(
    conn: Connection,
    event_id: int,
    drafts: Sequence[AttributeDraft],
    *,
    tag_ids: dict[str, int],
    object_id: int = 0,
    written: Written | None = None,
) -> list[int]:
    """Bulk-insert attributes with their tags and IP index rows; return their ids."""
    if not drafts:
        return []
    rows = [attribute_row(event_id, a, object_id) for a in drafts]
    ids = _insert_attribute_rows(conn, rows)
    if written is not None:
        written.attributes.extend(rows)
    tag_rows = [
        {"attribute_id": aid, "event_id": event_id, "tag_id": tag_ids[t.name], "local": t.local}
        for aid, a in zip(ids, drafts, strict=True)
        for t in a.tags
    ]
    if tag_rows:
        conn.execute(insert_ignore(conn, attribute_tags), tag_rows)
    index_ips(conn, zip(ids, drafts, strict=True))
    return ids


_NEXT_ATTRIBUTE_IDS = sa.text(
    "SELECT nextval(pg_get_serial_sequence('attributes', 'id')) FROM generate_series(1, :n)"
)


def _insert_attribute_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``attributes`` rows; return their ids, in the order of ``rows`` (each row
    gets its ``id`` too)."""
    if conn.dialect.name == "sqlite":
        # SQLite has one writer at a time and a write transaction holds the write lock
        # from its start (BEGIN IMMEDIATE, see storage.database), so max(id) + 1... are
        # the ids SQLite itself would assign.
        # One plain executemany runs in C; INSERT ... RETURNING with parameter order
        # kept runs one statement per row (10,000 for a big event).
        start = int(conn.execute(_TOP_ATTRIBUTE_ID).scalar_one()) + 1
        ids = list(range(start, start + len(rows)))
        _set_ids(rows, ids)
        bulk_insert(conn, attributes, rows)
        return ids
    if conn.dialect.name != "postgresql":
        stmt = attributes.insert().returning(attributes.c.id, sort_by_parameter_order=True)
        ids = list(conn.execute(stmt, rows).scalars())
        _set_ids(rows, ids)
        return ids
    # psycopg parses the long multi-row INSERT ... RETURNING that SQLAlchemy builds for
    # this in Python, at about 0.1 ms a row; with ids taken from the sequence first, one
    # short INSERT is pipelined instead (3x faster for a 10,000-attribute event).
    ids = sorted(conn.execute(_NEXT_ATTRIBUTE_IDS, {"n": len(rows)}).scalars())
    _set_ids(rows, ids)
    bulk_insert(conn, attributes, rows)
    return ids


def _set_ids(rows: list[dict[str, Any]], ids: list[int]) -> None:
    for row, i in zip(rows, ids, strict=True):
        row["id"] = i


def ip_rows(pairs: Iterable[tuple[int, AttributeDraft]]) -> list[dict[str, Any]]:
    """``ip_index`` rows for the IP-typed values among ``pairs`` of (id, draft)."""
    rows = []
    for aid, a in pairs:
        if a.type in describe_types.IP_TYPES:
            value = a.value1
        elif a.type in describe_types.IP_VALUE2_TYPES:
            value = a.value2
        else:
            continue
        span = ip_range(value)
        if span is not None:
            lo, hi = span
            rows.append({"attribute_id": aid, "lo": lo, "hi": hi if hi != lo else None})
    return rows


def index_ips(conn: Connection, pairs: Iterable[tuple[int, AttributeDraft]]) -> None:
    """Add the IP index rows of freshly written attributes."""
    rows = ip_rows(pairs)
    bulk_insert(conn, ip_index, rows)
    note_network_sizes(conn, rows)


def note_network_sizes(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Record the sizes of the networks among new ``ip_index`` rows (see
    ``ip_network_sizes``); no statement when there is none, as for most events."""
    sizes = {network_host_bits(r["lo"], r["hi"]) for r in rows if r["hi"] is not None}
    if sizes:
        stmt = insert_ignore(conn, ip_network_sizes)
        conn.execute(stmt, [{"host_bits": bits} for bits in sorted(sizes)])


def insert_objects(
    conn: Connection,
    event_id: int,
    drafts: Sequence[ObjectDraft],
    *,
    tag_ids: dict[str, int],
    written: Written | None = None,
) -> list[int]:
    """Insert objects, their attributes and references; return the object ids."""
    ids = []
    for o in drafts:
        row = object_row(event_id, o)
        oid: int = conn.execute(_INSERT_OBJECT, row).scalar_one()
        insert_attributes(conn, event_id, o.attributes, tag_ids=tag_ids, object_id=oid,
                          written=written)  # fmt: skip
        if written is not None:
            written.objects.append(row | {"id": oid})
        ids.append(oid)
    refs = [(oid, o) for oid, o in zip(ids, drafts, strict=True) if o.references]
    for oid, o in refs:
        insert_references(conn, event_id, oid, o)
    return ids


def object_row(event_id: int, o: ObjectDraft) -> dict[str, Any]:
    """The ``objects`` row of a draft."""
    return {
        "uuid": o.uuid,
        "event_id": event_id,
        "name": o.name,
        "meta_category": o.meta_category,
        "description": o.description,
        "template_uuid": o.template_uuid,
        "template_version": o.template_version,
        "distribution": o.distribution,
        "sharing_group_id": o.sharing_group_id,
        "comment": o.comment,
        "deleted": o.deleted,
        "timestamp": o.timestamp,
        "first_seen": o.first_seen,
        "last_seen": o.last_seen,
    }


def insert_references(conn: Connection, event_id: int, object_id: int, o: ObjectDraft) -> None:
    """Insert an object's references, resolving targets inside the same event (only
    there: an id resolved elsewhere would tell the writer that a UUID it may not see
    exists)."""
    targets = {r.referenced_uuid for r in o.references}
    found: dict[str, tuple[int, int]] = {}
    for table, kind in ((attributes, 0), (objects, 1)):
        q = sa.select(table.c.uuid, table.c.id).where(
            table.c.uuid.in_(targets), table.c.event_id == event_id
        )
        found.update({u: (i, kind) for u, i in conn.execute(q).all()})
    conn.execute(
        object_references.insert(),
        [
            {
                "uuid": r.uuid,
                "object_id": object_id,
                "event_id": event_id,
                "source_uuid": o.uuid,
                "referenced_uuid": r.referenced_uuid,
                "referenced_id": found.get(r.referenced_uuid, (0, 0))[0],
                "referenced_type": found.get(r.referenced_uuid, (0, 0))[1],
                "relationship_type": r.relationship_type,
                "comment": r.comment,
                "deleted": r.deleted,
                "timestamp": r.timestamp,
            }
            for r in o.references
        ],
    )


def recount_attributes(conn: Connection, event_id: int) -> None:
    """Refresh the event's ``attribute_count`` (non-deleted attributes)."""
    count = (
        sa.select(sa.func.count())
        .where(attributes.c.event_id == event_id, attributes.c.deleted.is_(False))
        .scalar_subquery()
    )
    conn.execute(events.update().where(events.c.id == event_id).values(attribute_count=count))
