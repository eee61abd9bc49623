"""Organisations: the statements that add, change, list and remove them.

Looking one up by id, UUID or name is :func:`threatmesh.storage.directory.records.find_org`
(every capability does it); an organisation known only by UUID from another instance
is created by :func:`threatmesh.storage.sync.store.ensure_org`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import organisations


def insert_org(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert an organisation row; its id."""
    stmt = organisations.insert().returning(organisations.c.id)
    return int(conn.execute(stmt, dict(values)).scalar_one())


def update_org(conn: Connection, org_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on organisation ``org_id``."""
    conn.execute(organisations.update().where(organisations.c.id == org_id).values(**values))


def delete_org(conn: Connection, org_id: int) -> None:
    """Delete organisation ``org_id`` (what names it is handled first: see
    :mod:`threatmesh.storage.directory.org_references`)."""
    conn.execute(organisations.delete().where(organisations.c.id == org_id))


_SEARCHED = ("name", "description", "nationality", "sector", "type", "contacts", "uuid")


def list_orgs(conn: Connection, scope: str = "all", search: str | None = None) -> list[RowMapping]:
    """Organisations by name: ``local`` ones, ``external`` ones, or all; with
    ``search``, those where one of MISP's ``searchall`` fields holds it (any case)."""
    q = sa.select(organisations).order_by(organisations.c.name)
    if scope == "local":
        q = q.where(organisations.c.local.is_(True))
    elif scope == "external":
        q = q.where(organisations.c.local.is_(False))
    if search:
        like = f"%{search.lower()}%"
        q = q.where(sa.or_(*(sa.func.lower(organisations.c[f]).like(like) for f in _SEARCHED)))
    return list(conn.execute(q).mappings())


def orgs_by_id(conn: Connection) -> dict[int, RowMapping]:
    """Every organisation, by id."""
    return {r["id"]: r for r in conn.execute(sa.select(organisations)).mappings()}


def org_uuid(conn: Connection, org_id: int | None) -> str | None:
    """The UUID of organisation ``org_id`` (None if there is none)."""
    q = sa.select(organisations.c.uuid).where(organisations.c.id == org_id)
    found = conn.execute(q).scalar()
    return str(found) if found else None
