"""Changing users (MISP's ``admin/users/edit``, ``users/edit``, ``users/change_pw``).

Who may change whom is :func:`threatmesh.model.user_access.may_manage_user`, the rule
every admin action shares: an org admin changes only users of its organisation whose
role is not above its own, and gives only roles not above its own (so it can neither
raise a user nor edit a site admin). A user it may not see answers as one that does
not exist. As in MISP, an org admin's ``org_id`` is ignored (only site admins move
users between organisations).
"""

from __future__ import annotations

from typing import Any

from threatmesh.formats.fields import as_bool, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.model.user_access import UserAction, UserFacts, may_manage_user
from threatmesh.services.admin import logs
from threatmesh.services.admin.checks import existing_org
from threatmesh.services.admin.passwords import checked_password, hash_password, password_matches
from threatmesh.services.admin.users import reachable, view_user
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import users as user_rows

_FLAGS = ("disabled", "autoalert", "contactalert", "termsaccepted", "change_pw")
_TEXTS = ("gpgkey", "certif_public")
#: What a user may change on its own account (MISP's ``UsersController::edit`` list).
_SELF_FIELDS = frozenset({"email", "autoalert", "contactalert", "gpgkey", "certif_public",
                          "nids_sid", "password"})  # fmt: skip


def _values(conn: Connection, user: Row, data: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """The columns to set from ``data``, keeping only the ``allowed`` fields."""
    values: dict[str, Any] = {}
    fields = {k: v for k, v in data.items() if k in allowed and v is not None}
    if "email" in fields:
        email = as_str(fields["email"], "User.email", max_len=255).strip().lower()
        if "@" not in email:
            raise InvalidInput(f"User.email: {email!r} is not an email address")
        other = directory.find_user(conn, email)
        if other is not None and other["id"] != user["id"]:
            raise Conflict("An account with this email address already exists.")
        values["email"] = email
    for flag in _FLAGS:
        if flag in fields:
            values[flag] = as_bool(fields[flag], f"User.{flag}")
    for text in _TEXTS:
        if text in fields:
            values[text] = as_str(fields[text], f"User.{text}")
    if "nids_sid" in fields:
        values["nids_sid"] = as_int(fields["nids_sid"] or 0, "User.nids_sid")
    if fields.get("password") and fields["password"] not in ("*****", "******"):
        values["password"] = hash_password(checked_password(conn, fields["password"]))
    return values


def _new_place(conn: Connection, who: Identity, user: Row, data: Any) -> dict[str, Any]:
    """``role_id`` and (site admins only) ``org_id``, if the caller may give them."""
    values: dict[str, Any] = {}
    org_id = int(user["org_id"])
    if who.viewer.site_admin and data.get("org_id") not in (None, ""):
        org_id = int(existing_org(conn, as_int(data["org_id"], "User.org_id"))["id"])
        values["org_id"] = org_id
    role_id = as_int(data.get("role_id") or user["role_id"], "User.role_id")
    perms = directory.role_perms(conn, role_id)
    if perms is None:
        raise InvalidInput(f"User.role_id: role {role_id} does not exist")
    target = UserFacts(user_id=int(user["id"]), org_id=org_id, perms=perms)
    if not may_manage_user(who.viewer, target, UserAction.MANAGE):
        raise Forbidden("You are not authorised to assign that role to a user.")
    values["role_id"] = role_id
    return values


def admin_edit(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``admin/users/edit/{id}``: site admins, and org admins for the users they
    manage (see the module's rule); answers ``{"User": ...}``."""
    if not who.viewer.can("perm_admin"):
        raise Forbidden(ACL_REFUSAL)
    data = unwrap(payload, "User")
    with platform.write() as conn:
        user, facts = reachable(conn, who, ref)
        if not may_manage_user(who.viewer, facts, UserAction.MANAGE):
            raise Forbidden("You are not authorised to edit this user.")
        allowed = _SELF_FIELDS | frozenset(_FLAGS)
        values = _values(conn, user, data, allowed) | _new_place(conn, who, user, data)
        _save(platform, conn, who, user, values)
        saved = directory.find_user(conn, user["id"])
        assert saved is not None
        return {"User": directory.user_summary(saved) | {"password": "******"}}


def self_edit(platform: Platform, who: Identity, ref: str | None, payload: Any) -> dict[str, Any]:
    """``users/edit[/{id}]``: the caller's own profile (the fields MISP lets a user
    change: email, alerts, keys, NIDS SID, password); another user's id is 404."""
    me = who.user
    if ref not in (None, "", "me") and str(ref) != str(me["id"]):
        raise NotFound("Invalid user.")
    data = unwrap(payload, "User")
    with platform.write() as conn:
        _save(platform, conn, who, me, _values(conn, me, data, _SELF_FIELDS))
    return view_user(platform, who, "me")


def change_password(platform: Platform, who: Identity, payload: Any) -> None:
    """``users/change_pw``: a new password for the caller (not the current one)."""
    data = unwrap(payload, "User")
    with platform.write() as conn:
        password = checked_password(conn, data.get("password"))
        me = directory.find_user(conn, who.user["id"])
        assert me is not None
        if me["password"] and password_matches(me["password"], password):
            raise InvalidInput("Submitted new password cannot be the same as the current one")
        values = {"password": hash_password(password), "change_pw": False,
                  "last_pw_change": platform.now()}  # fmt: skip
        _save(platform, conn, who, me, values, action="change_pw")


def _save(
    platform: Platform,
    conn: Connection,
    who: Identity,
    user: Row,
    values: dict[str, Any],
    *,
    action: str = "edit",
) -> None:
    """Write the changed ``values`` of ``user`` and MISP's log entry of the change."""
    changed = logs.changes(user, {k: v for k, v in values.items() if k != "last_pw_change"})
    if "password" in values:
        values["last_pw_change"] = platform.now()
    user_rows.update_user(conn, user["id"], values | {"date_modified": platform.now()})
    notify.user(conn, user["id"], "edit")
    title = f"User ({user['id']}): {user['email']}"
    logs.entry(conn, platform.now(), who, model="User", model_id=int(user["id"]),
                action=action, title=title, change=changed)  # fmt: skip
