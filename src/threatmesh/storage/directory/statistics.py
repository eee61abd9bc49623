"""Counts behind MISP's ``users/statistics`` and ``attributes/attributeStatistics``.

Counts of events and attributes are of what the viewer may see (a site admin sees
all, as in MISP); counts of users and organisations are of the directory, which
every user may list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, organisations, sightings, users


def _count(conn: Connection, q: sa.Select[Any]) -> int:
    return int(conn.execute(q).scalar_one())


def content_counts(conn: Connection, viewer: Viewer, since: int) -> dict[str, int]:
    """Events and live attributes ``viewer`` may see, in all and changed ``since``."""
    ev = sa.select(sa.func.count()).select_from(events).where(acl.event_visible(viewer))
    at = (
        sa.select(sa.func.count())
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(attributes.c.deleted.is_(False), acl.attribute_visible(viewer, attributes))
    )
    orgc = sa.select(sa.func.count(sa.distinct(events.c.orgc_id))).where(acl.event_visible(viewer))
    return {
        "event_count": _count(conn, ev),
        "event_count_month": _count(conn, ev.where(events.c.timestamp > since)),
        "attribute_count": _count(conn, at),
        "attribute_count_month": _count(conn, at.where(attributes.c.timestamp > since)),
        "contributing_org_count": _count(conn, orgc),
    }


def directory_counts(conn: Connection, since: int) -> dict[str, dict[str, int]]:
    """Users, local and external organisations: in all, created ``since``."""
    out: dict[str, dict[str, int]] = {}
    for name, table, cond in (
        ("user", users, sa.true()),
        ("org_local", organisations, organisations.c.local.is_(True)),
        ("org_external", organisations, organisations.c.local.is_(False)),
    ):
        q = sa.select(sa.func.count()).select_from(table).where(cond)
        out[name] = {
            "total": _count(conn, q),
            "month": _count(conn, q.where(table.c.date_created > since)),
        }
    return out


def users_per_org(conn: Connection) -> list[tuple[str, bool, int]]:
    """(organisation name, local, number of users) for every organisation."""
    q = (
        sa.select(organisations.c.name, organisations.c.local, sa.func.count(users.c.id))
        .select_from(organisations.outerjoin(users, users.c.org_id == organisations.c.id))
        .group_by(organisations.c.name, organisations.c.local)
        .order_by(organisations.c.name)
    )
    return [(str(n), bool(loc), int(c)) for n, loc, c in conn.execute(q)]


def pgp_users(conn: Connection) -> int:
    """Users with a PGP key."""
    return _count(conn, sa.select(sa.func.count()).select_from(users).where(users.c.gpgkey != ""))


def attribute_types_of_org(conn: Connection, org_id: int) -> dict[str, int]:
    """Live attributes of the events organisation ``org_id`` created, by type."""
    q = (
        sa.select(attributes.c.type, sa.func.count())
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(attributes.c.deleted.is_(False), events.c.orgc_id == org_id)
        .group_by(attributes.c.type)
    )
    return {str(t): int(n) for t, n in conn.execute(q)}


def org_sightings(conn: Connection, org_id: int, since: int) -> list[tuple[str, int, int]]:
    """(source, type, event id) of the sightings organisation ``org_id`` made ``since``."""
    q = sa.select(sightings.c.source, sightings.c.type, sightings.c.event_id).where(
        sightings.c.org_id == org_id, sightings.c.date_sighting > since
    )
    return [(str(s), int(t), int(e)) for s, t, e in conn.execute(q)]
