"""Organisations, roles, users, API keys and sharing groups."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.model.access import (
    SharingGroupFacts,
    Viewer,
    authorized_sharing_groups,
    viewer_from_role,
)
from threatmesh.model.roles import DEFAULT_ROLES, PERMISSIONS
from threatmesh.storage.tables import (
    auth_keys,
    organisations,
    roles,
    sharing_group_orgs,
    sharing_group_servers,
    sharing_groups,
    users,
)


def seed_roles(conn: Connection, now: int) -> None:
    """Create MISP's default roles if the table is empty."""
    if conn.execute(sa.select(sa.func.count()).select_from(roles)).scalar_one():
        return
    conn.execute(
        roles.insert(),
        [
            {
                "id": r.id,
                "name": r.name,
                "default_role": r.default_role,
                "created": now,
                "modified": now,
                **r.permissions(),
            }
            for r in DEFAULT_ROLES
        ],
    )
    if conn.dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; move it past them.
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('roles', 'id'), (SELECT max(id) FROM roles))"
            )
        )


def find_org(conn: Connection, ref: str | int) -> RowMapping | None:
    """An organisation by id, UUID or name."""
    o = organisations
    text = str(ref)
    cond = (
        o.c.id == as_id(text)
        if as_id(text) is not None
        else sa.or_(o.c.uuid == text.lower(), o.c.name == text)
    )
    return conn.execute(sa.select(o).where(cond)).mappings().first()


def find_user(conn: Connection, ref: str | int) -> RowMapping | None:
    """A user by id or email."""
    text = str(ref)
    num = as_id(text)
    cond = users.c.id == num if num is not None else users.c.email == text.lower()
    return conn.execute(sa.select(users).where(cond)).mappings().first()


def find_role(conn: Connection, ref: str | int) -> RowMapping | None:
    """A role by id or name."""
    text = str(ref)
    num = as_id(text)
    cond = roles.c.id == num if num is not None else roles.c.name == text
    return conn.execute(sa.select(roles).where(cond)).mappings().first()


def default_role_id(conn: Connection) -> int:
    """The role new users get when none is given."""
    rid = conn.execute(sa.select(roles.c.id).where(roles.c.default_role.is_(True))).scalar()
    return int(rid) if rid is not None else 3


def sharing_group_facts(conn: Connection) -> list[SharingGroupFacts]:
    """Membership of every active sharing group (few rows: groups are administrative)."""
    members: dict[int, set[int]] = {}
    for sg_id, org_id in conn.execute(
        sa.select(sharing_group_orgs.c.sharing_group_id, sharing_group_orgs.c.org_id)
    ):
        members.setdefault(sg_id, set()).add(org_id)
    local_all = set(
        conn.execute(
            sa.select(sharing_group_servers.c.sharing_group_id).where(
                sharing_group_servers.c.server_id == 0, sharing_group_servers.c.all_orgs.is_(True)
            )
        ).scalars()
    )
    active = conn.execute(
        sa.select(sharing_groups.c.id).where(sharing_groups.c.active.is_(True))
    ).scalars()
    return [SharingGroupFacts(i, frozenset(members.get(i, ())), i in local_all) for i in active]


def viewer_for(conn: Connection, user: RowMapping) -> Viewer:
    """The access facts of ``user``."""
    role = conn.execute(sa.select(roles).where(roles.c.id == user["role_id"])).mappings().one()
    perms = {p: bool(role[p]) for p in PERMISSIONS}
    groups = authorized_sharing_groups(
        user["org_id"], sharing_group_facts(conn), site_admin=perms["perm_site_admin"]
    )
    return viewer_from_role(
        user_id=user["id"],
        org_id=user["org_id"],
        role_id=user["role_id"],
        role_perms=perms,
        sharing_group_ids=groups,
    )


def user_for_key_hash(conn: Connection, key_hash: str, now: int) -> RowMapping | None:
    """The enabled user owning the unexpired API key with hash ``key_hash``."""
    q = (
        sa.select(users)
        .join(auth_keys, auth_keys.c.user_id == users.c.id)
        .where(
            auth_keys.c.authkey_hash == key_hash,
            users.c.disabled.is_(False),
            sa.or_(auth_keys.c.expiration == 0, auth_keys.c.expiration > now),
        )
    )
    return conn.execute(q).mappings().first()


def org_summary(row: RowMapping) -> dict[str, Any]:
    """An organisation as MISP's ``Organisation`` objects show it."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "uuid": row["uuid"],
        "description": row["description"],
        "type": row["type"],
        "nationality": row["nationality"],
        "sector": row["sector"],
        "contacts": row["contacts"],
        "local": bool(row["local"]),
        "created_by": str(row["created_by"]),
        "date_created": str(row["date_created"]),
        "date_modified": str(row["date_modified"]),
    }


def role_summary(row: RowMapping) -> dict[str, Any]:
    """A role with its permission flags as booleans."""
    out: dict[str, Any] = {
        "id": str(row["id"]),
        "name": row["name"],
        "default_role": bool(row["default_role"]),
    }
    out.update({p: bool(row[p]) for p in PERMISSIONS})
    return out


def user_summary(row: RowMapping) -> dict[str, Any]:
    """A user without secrets."""
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "org_id": str(row["org_id"]),
        "role_id": str(row["role_id"]),
        "disabled": bool(row["disabled"]),
        "autoalert": bool(row["autoalert"]),
        "contactalert": bool(row["contactalert"]),
        "termsaccepted": bool(row["termsaccepted"]),
        "change_pw": bool(row["change_pw"]),
        "date_created": str(row["date_created"]),
        "date_modified": str(row["date_modified"]),
        "last_login": str(row["last_login"]),
        "server_id": "0",
    }
