"""Event reports (MISP's ``EventReport``): markdown documents inside an event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer
from threatmesh.storage.collab.tables import event_reports as R
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import events


def find(conn: Connection, ref: str) -> RowMapping | None:
    """The report with id or UUID ``ref`` (deleted or not)."""
    num = as_id(ref)
    where = R.c.id == num if num is not None else R.c.uuid == ref.lower()
    return conn.execute(sa.select(R).where(where)).mappings().first()


def of_events(
    conn: Connection, event_ids: Sequence[int], *, deleted: bool = False
) -> list[RowMapping]:
    """The reports of the events ``event_ids`` by name (soft-deleted ones too with
    ``deleted``)."""
    if not event_ids:
        return []
    q = sa.select(R).where(R.c.event_id.in_(list(event_ids)))
    if not deleted:
        q = q.where(R.c.deleted.is_(False))
    return list(conn.execute(q.order_by(R.c.event_id, R.c.name, R.c.id)).mappings())


def insert(conn: Connection, values: Mapping[str, Any]) -> int:
    """Store a report; its id."""
    return int(conn.execute(R.insert().values(**values).returning(R.c.id)).scalar_one())


def update(conn: Connection, report_id: int, values: Mapping[str, Any]) -> None:
    """Change a report's columns."""
    conn.execute(R.update().where(R.c.id == report_id).values(**values))


def delete(conn: Connection, report_id: int) -> None:
    """Remove a report for good."""
    conn.execute(R.delete().where(R.c.id == report_id))


def in_visible_events(
    conn: Connection, viewer: Viewer, *, unpublished_private: bool, deleted: bool = False
) -> list[RowMapping]:
    """The reports of every event ``viewer`` sees, each with its event's owner
    (``event_org_id``); the reports' own distribution is the caller's to check."""
    q = (
        sa.select(R, events.c.org_id.label("event_org_id"))
        .select_from(R.join(events, events.c.id == R.c.event_id))
        .where(acl.event_visible(viewer, unpublished_private=unpublished_private))
    )
    if not deleted:
        q = q.where(R.c.deleted.is_(False))
    return list(conn.execute(q.order_by(R.c.event_id, R.c.name, R.c.id)).mappings())
