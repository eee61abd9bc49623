"""Roles: reading and writing them (MISP's default roles are created by
:func:`threatmesh.storage.directory.records.seed_roles`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import roles, users


def role(conn: Connection, role_id: int) -> RowMapping:
    """Role ``role_id`` (it exists: users reference it)."""
    return conn.execute(sa.select(roles).where(roles.c.id == role_id)).mappings().one()


def list_roles(conn: Connection) -> list[RowMapping]:
    """Every role, by id."""
    return list(conn.execute(sa.select(roles).order_by(roles.c.id)).mappings())


def insert_role(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a role row; its id."""
    return int(conn.execute(roles.insert().returning(roles.c.id), dict(values)).scalar_one())


def update_role(conn: Connection, role_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on role ``role_id``."""
    conn.execute(roles.update().where(roles.c.id == role_id).values(**values))


def delete_role(conn: Connection, role_id: int) -> None:
    """Delete role ``role_id`` (no user has it: checked first)."""
    conn.execute(roles.delete().where(roles.c.id == role_id))


def set_default(conn: Connection, role_id: int | None) -> None:
    """Make ``role_id`` the role new users get (None: no default)."""
    conn.execute(roles.update().values(default_role=False))
    if role_id is not None:
        conn.execute(roles.update().where(roles.c.id == role_id).values(default_role=True))


def users_with_role(conn: Connection, role_id: int) -> int:
    """How many users have role ``role_id``."""
    q = sa.select(sa.func.count()).select_from(users).where(users.c.role_id == role_id)
    return int(conn.execute(q).scalar_one())
