"""Administration: organisations, users and their API keys, roles, sharing groups."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.formats.fields import as_bool, as_int, as_str, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.model.roles import SITE_ADMIN_ROLE_ID
from threatmesh.model.user_access import UserAction, UserFacts, may_manage_user
from threatmesh.services.platform import Identity, Platform, hash_key, new_api_key
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import upgrade
from threatmesh.storage.core.tables import (
    auth_keys,
    organisations,
    roles,
    users,
)
from threatmesh.storage.directory import org_references
from threatmesh.storage.directory import records as directory

_ORG_TEXT = ("description", "type", "nationality", "sector", "contacts")


def require_site_admin(who: Identity) -> None:
    """Only site admins manage the instance."""
    if not who.viewer.site_admin:
        raise Forbidden("You need site admin rights for this.")


def _org_values(data: Any, *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name = as_str(data.get("name"), "Organisation.name", max_len=255).strip()
        if not name:
            raise InvalidInput("Organisation.name: an organisation needs a name")
        values["name"] = name
    for key in _ORG_TEXT:
        if key in data and data[key] is not None:
            values[key] = as_str(data[key], f"Organisation.{key}")
    if "local" in data:
        values["local"] = as_bool(data["local"], "Organisation.local")
    return values


def add_org(platform: Platform, who: Identity | None, payload: Any) -> dict[str, Any]:
    """``admin/organisations/add`` (``who`` None for the bootstrap)."""
    if who is not None:
        require_site_admin(who)
    data = unwrap(payload, "Organisation")
    values = _org_values(data, partial=False)
    org_uuid = (
        as_uuid(data["uuid"], "Organisation.uuid") if data.get("uuid") else str(uuidlib.uuid4())
    )
    now = platform.now()
    with platform.write() as conn:
        if directory.find_org(conn, values["name"]) or directory.find_org(conn, org_uuid):
            raise Conflict(f"Organisation {values['name']!r} or UUID {org_uuid} already exists.")
        oid = conn.execute(
            organisations.insert().returning(organisations.c.id),
            values
            | {
                "uuid": org_uuid,
                "date_created": now,
                "date_modified": now,
                "created_by": who.viewer.user_id if who else 0,
            },
        ).scalar_one()
        notify.organisation(conn, oid, "add")
        return directory.org_summary(_org(conn, oid))


def _org(conn: Connection, ref: str | int) -> Any:
    row = directory.find_org(conn, ref)
    if row is None:
        raise NotFound("Invalid organisation.")
    return row


def edit_org(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``admin/organisations/edit``."""
    require_site_admin(who)
    values = _org_values(unwrap(payload, "Organisation"), partial=True)
    with platform.write() as conn:
        row = _org(conn, ref)
        conn.execute(
            organisations.update()
            .where(organisations.c.id == row["id"])
            .values(**values, date_modified=platform.now())
        )
        notify.organisation(conn, row["id"], "edit")
        return directory.org_summary(_org(conn, row["id"]))


def delete_org(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/organisations/delete``: refused while anything still relies on the
    organisation (users, events, sharing groups it owns...); the rows that only mean
    something while it exists go with it (see
    :mod:`threatmesh.storage.directory.org_references`)."""
    require_site_admin(who)
    with platform.write() as conn:
        row = _org(conn, ref)
        busy = org_references.blockers(conn, row)
        if busy:
            raise Conflict(
                f"Organisation {row['name']!r} cannot be deleted, it still has: "
                f"{', '.join(busy)}. Remove those first."
            )
        notify.organisation(conn, row["id"], "delete")
        org_references.remove_dependents(conn, row["id"])
        conn.execute(organisations.delete().where(organisations.c.id == row["id"]))


def view_org(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``organisations/view``."""
    with platform.read() as conn:
        return directory.org_summary(_org(conn, ref))


def list_orgs(platform: Platform, who: Identity, scope: str = "local") -> list[dict[str, Any]]:
    """``organisations/index/scope:{local,external,all}``."""
    q = sa.select(organisations).order_by(organisations.c.name)
    if scope == "local":
        q = q.where(organisations.c.local.is_(True))
    elif scope == "external":
        q = q.where(organisations.c.local.is_(False))
    with platform.read() as conn:
        return [{"Organisation": directory.org_summary(r)} for r in conn.execute(q).mappings()]


def _issue_key(conn: Connection, user_id: int, now: int, comment: str = "") -> str:
    key = new_api_key()
    conn.execute(
        auth_keys.insert(),
        {
            "uuid": str(uuidlib.uuid4()),
            "authkey_hash": hash_key(key),
            "authkey_start": key[:4],
            "authkey_end": key[-4:],
            "user_id": user_id,
            "created": now,
            "comment": comment,
        },
    )
    return key


def _facts(conn: Connection, user: Any) -> UserFacts:
    perms = directory.role_perms(conn, user["role_id"]) or frozenset()
    return UserFacts(user_id=int(user["id"]), org_id=int(user["org_id"]), perms=perms)


def _reachable(conn: Connection, who: Identity, ref: str) -> tuple[Any, UserFacts]:
    """The user ``ref`` (``me``: the caller) if the caller may see it; a user it may
    not see answers as one that does not exist."""
    user = who.user if ref == "me" else directory.find_user(conn, ref)
    if user is None:
        raise NotFound("Invalid user.")
    facts = _facts(conn, user)
    if not may_manage_user(who.viewer, facts, UserAction.VIEW):
        raise NotFound("Invalid user.")
    return user, facts


def _require(who: Identity, target: UserFacts, action: UserAction, refusal: str) -> None:
    if not may_manage_user(who.viewer, target, action):
        raise Forbidden(refusal)


def _new_user_place(conn: Connection, who: Identity | None, data: Any) -> tuple[int, int]:
    """The organisation and role of a user to add, if the caller may give them (checked
    before the organisation is looked up, so the answer does not tell which exist)."""
    org_id = as_int(data.get("org_id") or (who.viewer.org_id if who else 0), "User.org_id")
    role_id = as_int(data.get("role_id") or directory.default_role_id(conn), "User.role_id")
    perms = directory.role_perms(conn, role_id)
    if perms is None:
        raise InvalidInput(f"User.role_id: role {role_id} does not exist")
    if who is not None:
        _require(
            who,
            UserFacts(user_id=None, org_id=org_id, perms=perms),
            UserAction.MANAGE,
            "Org admins add users to their own organisation, with a role that has no "
            "permission their own role lacks.",
        )
    _org(conn, org_id)
    return org_id, role_id


def add_user(platform: Platform, who: Identity | None, payload: Any) -> dict[str, Any]:
    """``admin/users/add``: returns the user with its new ``authkey`` (shown once)."""
    if who is not None and not who.viewer.can("perm_admin"):
        raise Forbidden("You need admin rights to add users.")
    data = unwrap(payload, "User")
    email = as_str(data.get("email"), "User.email", max_len=255).strip().lower()
    if "@" not in email:
        raise InvalidInput(f"User.email: {email!r} is not an email address")
    now = platform.now()
    with platform.write() as conn:
        org_id, role_id = _new_user_place(conn, who, data)
        if directory.find_user(conn, email):
            raise Conflict(f"User {email} already exists.")
        uid = conn.execute(
            users.insert().returning(users.c.id),
            {
                "email": email,
                "org_id": org_id,
                "role_id": role_id,
                "date_created": now,
                "date_modified": now,
                "disabled": as_bool(data.get("disabled", False), "User.disabled"),
            },
        ).scalar_one()
        key = _issue_key(conn, uid, now, "created with the user")
        notify.user(conn, uid, "add")
        user = directory.find_user(conn, uid)
        assert user is not None
        return {"User": directory.user_summary(user) | {"authkey": key}}


def new_key(platform: Platform, who: Identity, user_ref: str) -> dict[str, Any]:
    """``auth_keys/add/{user}``: an extra key for a user (its own, or one the caller
    may act as: see :func:`threatmesh.model.user_access.may_manage_user`)."""
    with platform.write() as conn:
        user, facts = _reachable(conn, who, user_ref)
        _require(
            who,
            facts,
            UserAction.ISSUE_KEY,
            "You cannot create keys for this user: org admins create keys for themselves "
            "and for users of their organisation whose role is below theirs.",
        )
        key = _issue_key(conn, user["id"], platform.now())
        return {
            "AuthKey": {
                "authkey_raw": key,
                "user_id": str(user["id"]),
                "authkey_start": key[:4],
                "authkey_end": key[-4:],
            }
        }


def view_user(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``users/view/{id|me}``: the user, its role and organisation."""
    with platform.read() as conn:
        user, _ = _reachable(conn, who, ref)
        role = conn.execute(sa.select(roles).where(roles.c.id == user["role_id"])).mappings().one()
        return {
            "User": directory.user_summary(user),
            "Role": directory.role_summary(role),
            "Organisation": directory.org_summary(_org(conn, user["org_id"])),
            "UserSetting": [],
        }


def list_users(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``admin/users/index``: all users (site admin) or those of the admin's org (the
    users :func:`~threatmesh.model.user_access.may_manage_user` lets it see)."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden("You need admin rights to list users.")
    q = sa.select(users).order_by(users.c.id)
    if not who.viewer.site_admin:
        q = q.where(users.c.org_id == who.viewer.org_id)
    with platform.read() as conn:
        return [{"User": directory.user_summary(r)} for r in conn.execute(q).mappings()]


def delete_user(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/users/delete``: site admins, and org admins for the users of their
    organisation whose role is not above theirs (MISP's ``perm_admin`` rule)."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden("You need admin rights to delete users.")
    with platform.write() as conn:
        user, facts = _reachable(conn, who, ref)
        _require(
            who,
            facts,
            UserAction.MANAGE,
            "You cannot delete this user: its role has permissions yours lacks.",
        )
        notify.user(conn, user["id"], "delete")
        conn.execute(users.delete().where(users.c.id == user["id"]))


def list_roles(platform: Platform) -> list[dict[str, Any]]:
    """``roles/index``."""
    with platform.read() as conn:
        return [
            {"Role": directory.role_summary(r)}
            for r in conn.execute(sa.select(roles).order_by(roles.c.id)).mappings()
        ]


def bootstrap(platform: Platform, *, org_name: str, email: str) -> str:
    """Create the first organisation and its site admin; return the admin's API key.
    Idempotent on the organisation; refuses an existing email."""
    upgrade(platform.engine)
    with platform.write() as conn:
        directory.seed_roles(conn, platform.now())
        existing = directory.find_org(conn, org_name)
    org = existing or add_org(platform, None, {"name": org_name})
    user = add_user(
        platform, None, {"email": email, "org_id": org["id"], "role_id": SITE_ADMIN_ROLE_ID}
    )
    return str(user["User"]["authkey"])
