"""The directory lookups every capability shares: organisations, users and roles by
id, UUID, name or email; who an API key's user is and what they may see (with the
cache that depends on it); MISP's default roles; and MISP's summaries of an
organisation, a role and a user.

What administration writes and lists is in the modules named for each record:
:mod:`~threatmesh.storage.directory.organisations`,
:mod:`~threatmesh.storage.directory.users` (with API keys),
:mod:`~threatmesh.storage.directory.roles` and
:mod:`~threatmesh.storage.directory.sharing_groups`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.sql.dml import UpdateBase

from threatmesh.formats.fields import as_id
from threatmesh.model.access import Viewer, viewer_from_role
from threatmesh.model.roles import DEFAULT_ROLES, PERMISSIONS
from threatmesh.storage.core.tables import (
    auth_keys,
    organisations,
    roles,
    sharing_group_orgs,
    sharing_group_servers,
    sharing_groups,
    users,
)

#: Tables whose rows decide who an API key's user is and what they may see.
IDENTITY_TABLES = frozenset(
    t.name
    for t in (
        users,
        auth_keys,
        organisations,
        roles,
        sharing_groups,
        sharing_group_orgs,
        sharing_group_servers,
    )
)
_CHANGED = "threatmesh.identities_changed"


def _note_identity_write(conn: Connection, clause: Any, *_rest: Any) -> None:
    table = getattr(clause, "table", None) if isinstance(clause, UpdateBase) else None
    if table is not None and getattr(table, "name", None) in IDENTITY_TABLES:
        conn.info[_CHANGED] = True


def watch_identity_writes(engine: Engine) -> None:
    """Have ``engine`` note on its connections any insert, update or delete of an
    :data:`IDENTITY_TABLES` table (read back with :func:`identities_changed`)."""
    if not sa.event.contains(engine, "after_execute", _note_identity_write):
        sa.event.listen(engine, "after_execute", _note_identity_write)


def identities_changed(conn: Connection) -> bool:
    """Whether ``conn`` wrote an identity table since the last call (which resets it)."""
    return bool(conn.info.pop(_CHANGED, False))


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


def role_perms(conn: Connection, role_id: int) -> frozenset[str] | None:
    """The permission flags set on role ``role_id`` (None if there is no such role)."""
    role = conn.execute(_ROLE, {"role_id": role_id}).mappings().first()
    return None if role is None else frozenset(p for p in PERMISSIONS if role[p])


def org_and_role(conn: Connection, org_id: int, role_id: int) -> RowMapping | None:
    """An organisation's row with its ``role_name`` for ``role_id``, in one query."""
    params = {"org_id": org_id, "role_id": role_id}
    return conn.execute(_ORG_AND_ROLE, params).mappings().first()


def default_role_id(conn: Connection) -> int:
    """The role new users get when none is given."""
    rid = conn.execute(sa.select(roles.c.id).where(roles.c.default_role.is_(True))).scalar()
    return int(rid) if rid is not None else 3


def _readable_query(site_admin: bool) -> sa.Select[Any]:
    sg = sharing_groups.c
    q = sa.select(sg.id).where(sg.active.is_(True))
    if site_admin:
        return q
    member = sa.select(sharing_group_orgs.c.sharing_group_id).where(
        sharing_group_orgs.c.org_id == sa.bindparam("org_id")
    )
    local_all = sa.select(sharing_group_servers.c.sharing_group_id).where(
        sharing_group_servers.c.server_id == 0, sharing_group_servers.c.all_orgs.is_(True)
    )
    return q.where(sa.or_(sg.id.in_(member), sg.id.in_(local_all)))


# Built once: every authentication runs them, and building costs more than running.
_READABLE = {admin: _readable_query(admin) for admin in (False, True)}
_ROLE = sa.select(roles).where(roles.c.id == sa.bindparam("role_id"))
_USER_FOR_KEY = (
    sa.select(users)
    .join(auth_keys, auth_keys.c.user_id == users.c.id)
    .where(
        auth_keys.c.authkey_hash == sa.bindparam("key_hash"),
        users.c.disabled.is_(False),
        sa.or_(auth_keys.c.expiration == 0, auth_keys.c.expiration > sa.bindparam("now")),
    )
)
_ORG_AND_ROLE = (
    sa.select(organisations, roles.c.name.label("role_name"))
    .select_from(organisations.join(roles, roles.c.id == sa.bindparam("role_id")))
    .where(organisations.c.id == sa.bindparam("org_id"))
)


def readable_sharing_groups(
    conn: Connection, org_id: int, *, site_admin: bool = False
) -> frozenset[int]:
    """The active sharing groups whose data users of ``org_id`` may read, in one query.

    The rule is :func:`~threatmesh.model.access.authorized_sharing_groups` (a group that
    lists the organisation, or this instance with "all organisations"; every group for a
    site admin), evaluated by the database so that the cost does not grow with the number
    of groups and members on the instance."""
    rows = conn.execute(_READABLE[site_admin], {"org_id": org_id}).scalars()
    return frozenset(int(i) for i in rows)


def viewer_for(conn: Connection, user: RowMapping) -> Viewer:
    """The access facts of ``user``."""
    role = conn.execute(_ROLE, {"role_id": user["role_id"]}).mappings().one()
    perms = {p: bool(role[p]) for p in PERMISSIONS}
    groups = readable_sharing_groups(conn, user["org_id"], site_admin=perms["perm_site_admin"])
    return viewer_from_role(
        user_id=user["id"],
        org_id=user["org_id"],
        role_id=user["role_id"],
        role_perms=perms,
        sharing_group_ids=groups,
    )


def user_for_key_hash(conn: Connection, key_hash: str, now: int) -> RowMapping | None:
    """The enabled user owning the unexpired API key with hash ``key_hash``."""
    return conn.execute(_USER_FOR_KEY, {"key_hash": key_hash, "now": now}).mappings().first()


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
