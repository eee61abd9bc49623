"""Roles (MISP's ``roles/index``, ``admin/roles/add|edit|delete|set_default``).

Only site admins change roles, as in MISP. A role's flags decide what its users may
do and, through :func:`threatmesh.model.user_access.may_manage_user`, whom org admins
may manage; so a change to a role is a change to who may do what, and the identity
cache notices it (roles are an identity table).
"""

from __future__ import annotations

from typing import Any

from threatmesh.formats.fields import as_bool, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Conflict, InvalidInput, NotFound
from threatmesh.model.roles import PERMISSIONS
from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import roles

#: MISP's ``Role::$premissionLevelName``: the levels of event access.
_LEVELS = ("Read Only", "Manage Own Events", "Manage Organisation Events",
           "Manage and Publish Organisation Events")  # fmt: skip
_LEVEL_FLAGS = ("perm_add", "perm_modify", "perm_modify_org", "perm_publish")
_TEXT_LIMITS = ("max_execution_time", "memory_limit")


def summary(row: Row) -> dict[str, Any]:
    """A role as MISP shows it: flags as booleans, limits, its access level."""
    level = 3 if row["perm_publish"] else 2 if row["perm_modify_org"] else (
        1 if row["perm_add"] else 0)  # fmt: skip
    return directory.role_summary(row) | {
        "created": str(row["created"]),
        "modified": str(row["modified"]),
        "max_execution_time": row["max_execution_time"],
        "memory_limit": row["memory_limit"],
        "enforce_rate_limit": bool(row["enforce_rate_limit"]),
        "rate_limit_count": str(row["rate_limit_count"]),
        "restricted_to_site_admin": bool(row["restricted_to_site_admin"]),
        "permission": str(level),
        "permission_description": _LEVELS[level],
    }


def list_roles(platform: Platform) -> list[dict[str, Any]]:
    """``roles/index``."""
    with platform.read() as conn:
        return [{"Role": summary(r)} for r in roles.list_roles(conn)]


def _values(data: Any, *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name = as_str(data.get("name"), "Role.name", max_len=100).strip()
        if not name:
            raise InvalidInput("Role.name: a role needs a name")
        values["name"] = name
    if data.get("permission") not in (None, ""):
        level = as_int(data["permission"], "Role.permission", allowed=frozenset(range(4)))
        # MISP's levels: 1 adds and edits its own, 2 its organisation's, 3 publishes.
        values |= {flag: level >= max(1, i) for i, flag in enumerate(_LEVEL_FLAGS)}
    for perm in PERMISSIONS:
        if data.get(perm) is not None:
            values[perm] = as_bool(data[perm], f"Role.{perm}")
    for key in _TEXT_LIMITS:
        if data.get(key) is not None:
            values[key] = as_str(data[key], f"Role.{key}", max_len=20)
    if data.get("rate_limit_count") not in (None, ""):
        values["rate_limit_count"] = as_int(data["rate_limit_count"], "Role.rate_limit_count")
    for flag in ("enforce_rate_limit", "restricted_to_site_admin"):
        if data.get(flag) is not None:
            values[flag] = as_bool(data[flag], f"Role.{flag}")
    return values


def _existing(conn: Connection, ref: str) -> Row:
    row = directory.find_role(conn, ref)
    if row is None:
        raise NotFound("Invalid Role")
    return row


def _unique_name(conn: Connection, name: str | None, role_id: int | None) -> None:
    other = directory.find_role(conn, name) if name else None
    if other is not None and other["id"] != role_id:
        raise Conflict(f"Role {name!r} already exists.")


def add_role(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``admin/roles/add``: ``{"Role": {"name", "perm_*"...}}``."""
    require_site_admin(who)
    values = _values(unwrap(payload, "Role"), partial=False)
    now = platform.now()
    with platform.write() as conn:
        _unique_name(conn, values["name"], None)
        role_id = roles.insert_role(conn, values | {"created": now, "modified": now})
        return {"Role": summary(roles.role(conn, role_id))}


def edit_role(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``admin/roles/edit/{id}``: the fields given change, the others stay."""
    require_site_admin(who)
    values = _values(unwrap(payload, "Role"), partial=True)
    with platform.write() as conn:
        row = _existing(conn, ref)
        _unique_name(conn, values.get("name"), row["id"])
        roles.update_role(conn, row["id"], values | {"modified": platform.now()})
        return {"Role": summary(roles.role(conn, row["id"]))}


def delete_role(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/roles/delete/{id}``: refused while users have the role."""
    require_site_admin(who)
    with platform.write() as conn:
        row = _existing(conn, ref)
        if roles.users_with_role(conn, row["id"]):
            raise Conflict("It is not possible to delete role that is assigned to users.")
        roles.delete_role(conn, row["id"])


def set_default(platform: Platform, who: Identity, ref: str) -> bool:
    """``admin/roles/set_default/{id}`` (``0``: no default role); whether one is set."""
    require_site_admin(who)
    with platform.write() as conn:
        if ref == "0":
            roles.set_default(conn, None)
            return False
        roles.set_default(conn, int(_existing(conn, ref)["id"]))
        return True
