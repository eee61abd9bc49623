"""Rows of the provenance log and its head (the chain itself lives in ``privacy``),
and the content of an event that a version record pins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.privacy.provenance import content
from threatmesh.privacy.provenance.content import pinned_content
from threatmesh.storage.core.tables import attributes, events, organisations, sightings
from threatmesh.storage.events import drafts
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


# What an event version pins is ``privacy.provenance.content.pinned_content`` of the
# event's draft: of the one just inserted for an "add" (``draft_content``), of the event
# as stored for every other change (``event_content``).
draft_content = pinned_content
live_values = content.live_values


def event_content(conn: Connection, event_id: int) -> tuple[dict[str, Any], int] | None:
    """The pinned content of an event as stored and its creator organisation's id;
    None if there is no such event."""
    found = drafts.stored_event(conn, event_id)
    if found is None:
        return None
    draft, orgc_uuid, orgc_id = found
    return pinned_content(draft, orgc_uuid), orgc_id
