"""Users and their API keys (MISP's ``admin/users/add|index|delete``,
``users/view``, ``auth_keys/add``).

Who may manage whom is :func:`threatmesh.model.user_access.may_manage_user`; a user
the caller may not see answers as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from threatmesh.formats.fields import as_bool, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.model.user_access import UserAction, UserFacts, may_manage_user
from threatmesh.services.admin import logs, user_settings
from threatmesh.services.admin.checks import existing_org
from threatmesh.services.admin.organisations import shown
from threatmesh.services.admin.passwords import checked_password, hash_password
from threatmesh.services.platform import Identity, Platform, hash_key, new_api_key
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import roles
from threatmesh.storage.directory import users as user_rows


def issue_key(conn: Connection, user_id: int, now: int, comment: str = "") -> str:
    """A new API key for ``user_id``, stored hashed; the key (shown once)."""
    key = new_api_key()
    user_rows.insert_key(
        conn,
        user_id,
        key_hash=hash_key(key),
        start=key[:4],
        end=key[-4:],
        now=now,
        comment=comment,
    )
    return key


def _facts(conn: Connection, user: Row) -> UserFacts:
    perms = directory.role_perms(conn, user["role_id"]) or frozenset()
    return UserFacts(user_id=int(user["id"]), org_id=int(user["org_id"]), perms=perms)


def reachable(conn: Connection, who: Identity, ref: str) -> tuple[Row, UserFacts]:
    """The user ``ref`` (``me``: the caller) if the caller may see it; a user it may
    not see answers as one that does not exist."""
    # "me" is read again: the row cached with the caller's key may predate an edit.
    user = directory.find_user(conn, who.user["id"] if ref == "me" else ref)
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
    existing_org(conn, org_id)
    return org_id, role_id


#: What ``admin/users/add`` takes besides e-mail, organisation and role (MISP's user
#: fields): each one given is stored, none is silently dropped.
_FLAGS = ("disabled", "autoalert", "contactalert", "termsaccepted", "change_pw")
_TEXTS = ("gpgkey", "certif_public")


def _given_fields(conn: Connection, data: Any, now: int) -> dict[str, Any]:
    """The columns a new user gets from the request, checked."""
    values: dict[str, Any] = {}
    for flag in _FLAGS:
        if data.get(flag) is not None:
            values[flag] = as_bool(data[flag], f"User.{flag}")
    for text in _TEXTS:
        if data.get(text) is not None:
            values[text] = as_str(data[text], f"User.{text}")
    if data.get("nids_sid") not in (None, ""):
        values["nids_sid"] = as_int(data["nids_sid"], "User.nids_sid")
    if data.get("password"):
        values["password"] = hash_password(checked_password(conn, data["password"]))
        values["last_pw_change"] = now
    return values


def add_user(platform: Platform, who: Identity | None, payload: Any) -> dict[str, Any]:
    """``admin/users/add``: returns the user with its new ``authkey`` (shown once)."""
    with platform.write() as conn:
        return create_user(conn, platform.now(), who, payload)


def create_user(conn: Connection, now: int, who: Identity | None, payload: Any) -> dict[str, Any]:
    """Add a user in the caller's transaction (``admin/users/add``, an accepted
    registration); the user with its new ``authkey``."""
    if who is not None and not who.viewer.can("perm_admin"):
        raise Forbidden(ACL_REFUSAL)
    data = unwrap(payload, "User")
    email = as_str(data.get("email"), "User.email", max_len=255).strip().lower()
    if "@" not in email:
        raise InvalidInput(f"User.email: {email!r} is not an email address")
    org_id, role_id = _new_user_place(conn, who, data)
    if directory.find_user(conn, email):
        raise Conflict(f"User {email} already exists.")
    uid = user_rows.insert_user(
        conn,
        {
            "email": email,
            "org_id": org_id,
            "role_id": role_id,
            "date_created": now,
            "date_modified": now,
            **_given_fields(conn, data, now),
        },
    )
    key = issue_key(conn, uid, now, "created with the user")
    notify.user(conn, uid, "add")
    user = directory.find_user(conn, uid)
    assert user is not None
    if who is not None:
        placed = {"email": email, "org_id": org_id, "role_id": role_id}
        logs.entry(conn, now, who, model="User", model_id=uid, action="add",
                    title=f"User ({uid}): {email}", change=logs.changes({}, placed))  # fmt: skip
    return {"User": directory.user_summary(user) | {"authkey": key}}


def new_key(platform: Platform, who: Identity, user_ref: str) -> dict[str, Any]:
    """``auth_keys/add/{user}``: an extra key for a user (its own, or one the caller
    may act as: see :func:`threatmesh.model.user_access.may_manage_user`)."""
    with platform.write() as conn:
        user, facts = reachable(conn, who, user_ref)
        _require(
            who,
            facts,
            UserAction.ISSUE_KEY,
            "You cannot create keys for this user: org admins create keys for themselves "
            "and for users of their organisation whose role is below theirs.",
        )
        key = issue_key(conn, user["id"], platform.now())
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
        user, _ = reachable(conn, who, ref)
        return {
            "User": directory.user_summary(user),
            "Role": directory.role_summary(roles.role(conn, user["role_id"])),
            "Organisation": shown(conn, who, existing_org(conn, user["org_id"])),
            "UserSetting": user_settings.of_user(conn, int(user["id"])),
        }


def list_users(
    platform: Platform, who: Identity, filters: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """``admin/users/index``: all users (site admin) or those of the admin's org (the
    users :func:`~threatmesh.model.user_access.may_manage_user` lets it see), each with
    its ``Role`` and ``Organisation``. MISP's named filters: ``value:`` (or
    ``searchall:``) matches email, organisation or role name; ``searchorg:`` keeps the
    users of those organisations (``|``-separated ids; site admins only, as in MISP)."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden(ACL_REFUSAL)
    named = filters or {}
    org_id = None if who.viewer.site_admin else who.viewer.org_id
    search = named.get("value") or named.get("searchall") or None
    org_ids = None
    if who.viewer.site_admin and named.get("searchorg"):
        org_ids = [as_int(o, "searchorg") for o in named["searchorg"].split("|") if o]
    with platform.read() as conn:
        rows = user_rows.list_users(conn, org_id, search=search, org_ids=org_ids)
    return [_listed(r) for r in rows]


def _listed(row: Row) -> dict[str, Any]:
    return {
        "User": directory.user_summary(row),
        "Role": {
            "id": str(row["role_id"]),
            "name": row["role_name"],
            "perm_auth": bool(row["perm_auth"]),
            "perm_site_admin": bool(row["perm_site_admin"]),
            "perm_admin": bool(row["perm_admin"]),
        },
        "Organisation": {"id": str(row["org_id"]), "name": row["org_name"]},
    }


def delete_user(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/users/delete``: site admins, and org admins for the users of their
    organisation whose role is not above theirs (MISP's ``perm_admin`` rule)."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden(ACL_REFUSAL)
    with platform.write() as conn:
        user, facts = reachable(conn, who, ref)
        _require(
            who,
            facts,
            UserAction.MANAGE,
            "You cannot delete this user: its role has permissions yours lacks.",
        )
        notify.user(conn, user["id"], "delete")
        user_rows.delete_user(conn, user["id"])
        logs.entry(conn, platform.now(), who, model="User", model_id=int(user["id"]),
                    action="delete", title=f"User ({user['id']}): {user['email']}")  # fmt: skip
