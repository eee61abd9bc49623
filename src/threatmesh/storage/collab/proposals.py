"""Attribute proposals (MISP's ``ShadowAttribute``): store them, find them as a viewer
may see them (:func:`visible`), delete them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ColumnElement

from threatmesh.model.access import Viewer
from threatmesh.storage.collab.tables import shadow_attributes as S
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, organisations

_OLD = attributes.alias("proposal_old")


def visible(viewer: Viewer, *, unpublished_private: bool) -> ColumnElement[bool]:
    """Proposals ``viewer`` may see (the statement joins ``events`` and the proposal's
    attribute as ``proposal_old``): the event is visible, the viewer's organisation is
    the event's (owner or creator) or the proposer's
    (:func:`threatmesh.model.access.proposal_visible`), and a proposal about an
    attribute needs that attribute to be visible."""
    if viewer.site_admin:
        return sa.true()
    org = viewer.org_id
    return sa.and_(
        acl.event_visible(viewer, events, unpublished_private=unpublished_private),
        sa.or_(S.c.org_id == org, events.c.org_id == org, events.c.orgc_id == org),
        sa.or_(S.c.old_id.is_(None), acl.attribute_visible_in_event(viewer, _OLD, events)),
    )


def _select() -> sa.Select[Any]:
    """Proposals with their event's UUID and organisations, the proposer's
    organisation (``org_name``, ``org_uuid``, ``org_local``) and the UUID of the
    attribute they are about (``old_uuid``)."""
    joined = (
        S.join(events, events.c.id == S.c.event_id)
        .join(organisations, organisations.c.id == S.c.org_id)
        .outerjoin(_OLD, _OLD.c.id == S.c.old_id)
    )
    return sa.select(
        S,
        events.c.uuid.label("event_uuid"),
        events.c.org_id.label("event_owner_id"),
        events.c.orgc_id.label("event_org_id"),
        organisations.c.name.label("org_name"),
        organisations.c.uuid.label("org_uuid"),
        organisations.c.local.label("org_local"),
        _OLD.c.uuid.label("old_uuid"),
        _OLD.c.object_id.label("old_object_id"),
    ).select_from(joined)


def find(
    conn: Connection,
    proposal_id: int,
    viewer: Viewer | None = None,
    *,
    unpublished_private: bool = False,
) -> RowMapping | None:
    """Proposal ``proposal_id`` (see :func:`_select`), if ``viewer`` (when given) may
    see it."""
    q = _select().where(S.c.id == proposal_id)
    if viewer is not None:
        q = q.where(visible(viewer, unpublished_private=unpublished_private))
    return conn.execute(q).mappings().first()


def listed(
    conn: Connection,
    viewer: Viewer,
    *,
    unpublished_private: bool,
    event_id: int | None = None,
    since: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[RowMapping]:
    """The proposals ``viewer`` sees, by id: all, or those of event ``event_id``, or
    those made since ``since`` (a timestamp); ``limit`` of them from ``offset``."""
    q = _select().where(visible(viewer, unpublished_private=unpublished_private))
    if event_id is not None:
        q = q.where(S.c.event_id == event_id)
    if since is not None:
        q = q.where(S.c.timestamp >= since)
    q = q.order_by(S.c.id).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(conn.execute(q).mappings())


def insert(conn: Connection, values: Mapping[str, Any]) -> int:
    """Store a proposal; its id."""
    return int(conn.execute(S.insert().values(**values).returning(S.c.id)).scalar_one())


def delete(conn: Connection, proposal_id: int) -> None:
    """Remove a proposal (accepted or discarded)."""
    conn.execute(S.delete().where(S.c.id == proposal_id))
