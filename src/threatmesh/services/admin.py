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
from threatmesh.services import notify
from threatmesh.services.platform import Identity, Platform, hash_key, new_api_key
from threatmesh.storage import directory
from threatmesh.storage.database import upgrade
from threatmesh.storage.tables import (
    auth_keys,
    events,
    organisations,
    roles,
    sharing_group_orgs,
    users,
)

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
    """``admin/organisations/delete``: refused while users or events belong to it."""
    require_site_admin(who)
    with platform.write() as conn:
        row = _org(conn, ref)
        busy = (
            conn.execute(sa.select(users.c.id).where(users.c.org_id == row["id"])).first()
            or conn.execute(
                sa.select(events.c.id).where(
                    sa.or_(events.c.org_id == row["id"], events.c.orgc_id == row["id"])
                )
            ).first()
        )
        if busy:
            raise Conflict("The organisation still has users or events.")
        notify.organisation(conn, row["id"], "delete")
        conn.execute(sharing_group_orgs.delete().where(sharing_group_orgs.c.org_id == row["id"]))
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
        org_id = as_int(data.get("org_id") or (who.viewer.org_id if who else 0), "User.org_id")
        _org(conn, org_id)
        role_id = as_int(data.get("role_id") or directory.default_role_id(conn), "User.role_id")
        if directory.find_role(conn, role_id) is None:
            raise InvalidInput(f"User.role_id: role {role_id} does not exist")
        if who is not None and not who.viewer.site_admin:
            if org_id != who.viewer.org_id or role_id == SITE_ADMIN_ROLE_ID:
                raise Forbidden(
                    "Org admins add users to their own organisation, without site admin rights."
                )
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
    """``auth_keys/add/{user}``: an extra key for a user (own, or any for admins)."""
    with platform.write() as conn:
        user = directory.find_user(conn, who.viewer.user_id if user_ref == "me" else user_ref)
        # A user the caller may not manage answers as one that does not exist (as
        # users/view does): a 403 would confirm the id is taken.
        if user is None or (
            user["id"] != who.viewer.user_id
            and not (
                who.viewer.site_admin
                or (who.viewer.can("perm_admin") and user["org_id"] == who.viewer.org_id)
            )
        ):
            raise NotFound("Invalid user.")
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
        user = who.user if ref == "me" else directory.find_user(conn, ref)
        if user is None or (
            user["id"] != who.viewer.user_id
            and not (
                who.viewer.site_admin
                or (who.viewer.can("perm_admin") and user["org_id"] == who.viewer.org_id)
            )
        ):
            raise NotFound("Invalid user.")
        role = conn.execute(sa.select(roles).where(roles.c.id == user["role_id"])).mappings().one()
        return {
            "User": directory.user_summary(user),
            "Role": directory.role_summary(role),
            "Organisation": directory.org_summary(_org(conn, user["org_id"])),
            "UserSetting": [],
        }


def list_users(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``admin/users/index``: all users (site admin) or those of the admin's org."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden("You need admin rights to list users.")
    q = sa.select(users).order_by(users.c.id)
    if not who.viewer.site_admin:
        q = q.where(users.c.org_id == who.viewer.org_id)
    with platform.read() as conn:
        return [{"User": directory.user_summary(r)} for r in conn.execute(q).mappings()]


def delete_user(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/users/delete``."""
    require_site_admin(who)
    with platform.write() as conn:
        user = directory.find_user(conn, ref)
        if user is None:
            raise NotFound("Invalid user.")
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
