"""Roles: reading them (MISP's default roles are created by
:func:`threatmesh.storage.directory.records.seed_roles`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import roles


def role(conn: Connection, role_id: int) -> RowMapping:
    """Role ``role_id`` (it exists: users reference it)."""
    return conn.execute(sa.select(roles).where(roles.c.id == role_id)).mappings().one()


def list_roles(conn: Connection) -> list[RowMapping]:
    """Every role, by id."""
    return list(conn.execute(sa.select(roles).order_by(roles.c.id)).mappings())
