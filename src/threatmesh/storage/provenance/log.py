"""Rows of the provenance log and its head (the chain itself lives in ``privacy``),
and the content of an event that a version record pins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.model.drafts import AttributeDraft, EventDraft
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    object_references,
    objects,
    organisations,
    sightings,
    tags,
)
from threatmesh.storage.provenance.tables import provenance_head, provenance_records

GENESIS = "0" * 64


# Built once: constructing a statement costs more than running it on a hot path.
_HEAD = sa.select(provenance_head.c.seq, provenance_head.c.record_hash).where(
    provenance_head.c.id == 1
)
_LOCK_HEAD = _HEAD.with_for_update()
_INSERT_RECORD = provenance_records.insert()
_MOVE_HEAD = (
    provenance_head.update()
    .where(provenance_head.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), record_hash=sa.bindparam("new_hash"))
)
_INSERT_AND_MOVE = _INSERT_RECORD.add_cte(_MOVE_HEAD.cte("moved_head"))
_MOVE_HEAD_FROM = _MOVE_HEAD.where(
    provenance_head.c.seq == sa.bindparam("old_seq"),
    provenance_head.c.record_hash == sa.bindparam("old_hash"),
)


def appends_after_guess(conn: Connection) -> bool:
    """Whether appenders should try :func:`append_after` with the head they remember
    before :func:`lock_head`: on SQLite, whose write transactions hold the write lock
    from their BEGIN, that saves a statement; PostgreSQL locks the head, one round trip."""
    return conn.dialect.name == "sqlite"


def lock_head(conn: Connection) -> tuple[int, str]:
    """The head (last seq and hash), locked until the transaction ends.

    On PostgreSQL ``FOR UPDATE`` makes concurrent appenders wait for each other; SQLite
    already serialises writers, and the caller has written before it appends.
    """
    row = conn.execute(_LOCK_HEAD).first()
    if row is None:  # a database created outside the migrations
        conn.execute(provenance_head.insert().values(id=1, seq=0, record_hash=GENESIS))
        return 0, GENESIS
    return int(row.seq), str(row.record_hash)


def read_head(conn: Connection) -> tuple[int, str]:
    """The head, without locking."""
    row = conn.execute(_HEAD).first()
    return (int(row.seq), str(row.record_hash)) if row is not None else (0, GENESIS)


def append(conn: Connection, row: dict[str, Any]) -> None:
    """Insert record ``row`` and move the head to it (the head must be locked)."""
    moved = {"new_seq": row["seq"], "new_hash": row["record_hash"]}
    if conn.dialect.name == "postgresql":
        # One round trip, not two: the head moves in a data-modifying CTE of the insert,
        # and PostgreSQL runs both or, on any error, neither.
        conn.execute(_INSERT_AND_MOVE, row | moved)
        return
    conn.execute(_INSERT_RECORD, row)
    conn.execute(_MOVE_HEAD, moved)


def append_after(conn: Connection, head: tuple[int, str], row: dict[str, Any]) -> bool:
    """Insert record ``row`` and move the head to it if the head is still ``head`` (the
    one ``row`` was sealed after); False, with nothing written, if it is not.

    For SQLite, whose write transactions hold the database's write lock from their
    BEGIN: the guarded UPDATE is the head read and move in one statement, so a writer
    that remembers the head it left appends in two statements instead of three. The
    guard compares both seq and hash, so a stale memory (another process appended, or
    a transaction rolled back) only costs a retry through :func:`lock_head`."""
    moved = {"new_seq": row["seq"], "new_hash": row["record_hash"]}
    guard = {"old_seq": head[0], "old_hash": head[1]}
    if conn.execute(_MOVE_HEAD_FROM, moved | guard).rowcount != 1:
        return False
    conn.execute(_INSERT_RECORD, row)
    return True


def records(conn: Connection, *, subject: str | None = None) -> list[RowMapping]:
    """Every record in chain order, or those about ``subject``."""
    q = sa.select(provenance_records).order_by(provenance_records.c.seq)
    if subject is not None:
        q = q.where(provenance_records.c.subject == subject)
    return list(conn.execute(q).mappings())


def records_at(conn: Connection, seqs: Sequence[int]) -> list[RowMapping]:
    """The records at positions ``seqs`` (those that exist)."""
    q = sa.select(provenance_records).where(provenance_records.c.seq.in_(seqs))
    return list(conn.execute(q).mappings())


# Built once: it runs in every change an appender records about an organisation's event.
_ORG_UUID = sa.select(organisations.c.uuid).where(organisations.c.id == sa.bindparam("id"))


def org_uuid(conn: Connection, org_id: int) -> str | None:
    """The UUID of organisation ``org_id``, or None."""
    found = conn.execute(_ORG_UUID, {"id": org_id}).scalar()
    return None if found is None else str(found)


def sighting_facts(conn: Connection, sighting_uuids: Sequence[str]) -> list[RowMapping]:
    """What a sighting record and reputation evidence say of each sighting among
    ``sighting_uuids``, in id order: its ``uuid, type, date_sighting, source, org_id``,
    ``attribute_uuid``, ``event_uuid``, ``org_uuid`` (the reporter) and ``orgc_id``
    (the event's creator)."""
    q = (
        sa.select(
            sightings.c.uuid,
            sightings.c.type,
            sightings.c.date_sighting,
            sightings.c.source,
            attributes.c.uuid.label("attribute_uuid"),
            events.c.uuid.label("event_uuid"),
            organisations.c.uuid.label("org_uuid"),
            sightings.c.org_id,
            events.c.orgc_id,
        )
        .join(attributes, attributes.c.id == sightings.c.attribute_id)
        .join(events, events.c.id == sightings.c.event_id)
        .join(organisations, organisations.c.id == sightings.c.org_id)
        .where(sightings.c.uuid.in_(list(sighting_uuids)))
        .order_by(sightings.c.id)
    )
    return list(conn.execute(q).mappings().all())


# What an event version pins: what the event says, not what only this instance knows
# (numeric ids, local sharing group ids) or what changes without the producer doing
# anything (sightings, correlations). Soft-deleted content is included.
EVENT_COLUMNS = (
    "uuid", "info", "date", "threat_level_id", "analysis", "distribution", "published",
    "timestamp", "publish_timestamp", "disable_correlation", "extends_uuid",
)  # fmt: skip
ATTRIBUTE_COLUMNS = (
    "uuid", "type", "category", "value1", "value2", "to_ids", "distribution", "comment",
    "deleted", "disable_correlation", "timestamp", "first_seen", "last_seen", "object_relation",
)  # fmt: skip
OBJECT_COLUMNS = (
    "uuid", "name", "meta_category", "template_uuid", "template_version", "distribution",
    "comment", "deleted", "timestamp", "first_seen", "last_seen",
)  # fmt: skip
REFERENCE_COLUMNS = (
    "uuid", "object_id", "source_uuid", "referenced_uuid", "relationship_type", "comment",
    "deleted",
)  # fmt: skip


def live_values(content: dict[str, Any]) -> set[str]:
    """The first values of the live (not deleted) attributes in an event's content."""
    value, deleted = ATTRIBUTE_COLUMNS.index("value1"), ATTRIBUTE_COLUMNS.index("deleted")
    return {str(a[value]) for a in content["attributes"] if not a[deleted]}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def event_content(conn: Connection, event_id: int) -> tuple[dict[str, Any], int] | None:
    """The pinned content of an event (plain lists, each sorted by UUID or name) and
    its creator organisation's id; None if there is no such event."""
    ev = conn.execute(
        sa.select(*(events.c[n] for n in EVENT_COLUMNS), events.c.orgc_id, organisations.c.uuid)
        .join(organisations, organisations.c.id == events.c.orgc_id)
        .where(events.c.id == event_id)
    ).first()
    if ev is None:
        return None
    obj_uuid = {r.id: r.uuid for r in conn.execute(
        sa.select(objects.c.id, objects.c.uuid).where(objects.c.event_id == event_id))}  # fmt: skip
    attrs = _attributes(conn, event_id, obj_uuid)
    event_tags_q = (
        sa.select(tags.c.name)
        .join(event_tags, event_tags.c.tag_id == tags.c.id)
        .where(event_tags.c.event_id == event_id)
    )
    return {
        "event": [_plain(v) for v in ev[: len(EVENT_COLUMNS)]],
        "orgc": ev[-1],
        "tags": sorted(conn.execute(event_tags_q).scalars()),
        "attributes": attrs,
        "objects": _rows(conn, objects, OBJECT_COLUMNS, event_id),
        "references": [
            [r[0], obj_uuid.get(r[1]), *r[2:]]
            for r in _rows(conn, object_references, REFERENCE_COLUMNS, event_id)
        ],
    }, int(ev[-2])


def _attributes(conn: Connection, event_id: int, obj_uuid: dict[int, str]) -> list[Any]:
    """The event's attributes: column values, their object's UUID, their tag names."""
    attr_tags: dict[str, list[str]] = {}
    for attr, name in conn.execute(
        sa.select(attributes.c.uuid, tags.c.name)
        .join(attribute_tags, attribute_tags.c.attribute_id == attributes.c.id)
        .join(tags, tags.c.id == attribute_tags.c.tag_id)
        .where(attribute_tags.c.event_id == event_id)
    ):
        attr_tags.setdefault(attr, []).append(name)
    return sorted(
        [*(_plain(v) for v in r[:-1]), obj_uuid.get(r[-1]), sorted(attr_tags.get(r[0], []))]
        for r in conn.execute(
            sa.select(*(attributes.c[n] for n in ATTRIBUTE_COLUMNS), attributes.c.object_id).where(
                attributes.c.event_id == event_id
            )
        )
    )


def _rows(conn: Connection, table: sa.Table, columns: tuple[str, ...], event_id: int) -> list[Any]:
    q = sa.select(*(table.c[n] for n in columns)).where(table.c.event_id == event_id)
    return sorted([_plain(v) for v in r] for r in conn.execute(q))


# The pinned content of an event just written from a draft, without reading it back.
# It must be exactly what ``event_content`` reads (tests/storage/test_draft_content.py
# checks both on SQLite and PostgreSQL): values typed as the columns return them
# (booleans as bool, dates as ISO text), tags de-duplicated as the link tables do.


def draft_content(draft: EventDraft, orgc_uuid: str) -> dict[str, Any]:
    """What :func:`event_content` would read for an event freshly inserted from
    ``draft`` (by ``storage.writes.insert_event``) whose creator has ``orgc_uuid``."""
    d = draft
    event = [d.uuid, d.info, d.date.isoformat(), int(d.threat_level_id), int(d.analysis),
             int(d.distribution), bool(d.published), int(d.timestamp),
             int(d.publish_timestamp), bool(d.disable_correlation), d.extends_uuid]  # fmt: skip
    attrs = [_draft_attribute(a, None) for a in d.attributes]
    objs: list[list[Any]] = []
    refs: list[list[Any]] = []
    for o in d.objects:
        attrs.extend(_draft_attribute(a, o.uuid) for a in o.attributes)
        objs.append([o.uuid, o.name, o.meta_category, o.template_uuid, o.template_version,
                     int(o.distribution), o.comment, bool(o.deleted), int(o.timestamp),
                     _opt_int(o.first_seen), _opt_int(o.last_seen)])  # fmt: skip
        refs.extend([r.uuid, o.uuid, o.uuid, r.referenced_uuid, r.relationship_type,
                     r.comment, bool(r.deleted)] for r in o.references)  # fmt: skip
    return {
        "event": event,
        "orgc": orgc_uuid,
        "tags": sorted({t.name for t in d.tags}),
        "attributes": sorted(attrs),
        "objects": sorted(objs),
        "references": sorted(refs),
    }


def _opt_int(value: int | None) -> int | None:
    return None if value is None else int(value)


def _draft_attribute(a: AttributeDraft, object_uuid: str | None) -> list[Any]:
    """One entry of ``content["attributes"]``, as :func:`_attributes` builds it."""
    return [a.uuid, a.type, a.category, a.value1, a.value2, bool(a.to_ids),
            int(a.distribution), a.comment, bool(a.deleted), bool(a.disable_correlation),
            int(a.timestamp), _opt_int(a.first_seen), _opt_int(a.last_seen),
            a.object_relation, object_uuid, sorted({t.name for t in a.tags})]  # fmt: skip
