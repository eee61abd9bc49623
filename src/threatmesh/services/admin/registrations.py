"""Self-registration (MISP's ``users/register``, ``users/registrations``,
``users/acceptRegistrations``, ``users/discardRegistrations``).

Anyone may send a registration while the server setting
``Security.allow_self_registration`` is on; it waits in the inbox until a site admin
accepts it (a user is created in the organisation and with the role the admin
chooses: never what the registrant asked for) or discards it.
"""

from __future__ import annotations

import json
from typing import Any

from threatmesh.formats.fields import as_id, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import InvalidInput, MethodNotAllowed
from threatmesh.services.admin import settings
from threatmesh.services.admin.checks import existing_org, require_site_admin
from threatmesh.services.admin.users import create_user
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import settings as stored

#: What a registration may carry (MISP's list); other keys are dropped.
_KEYS = ("email", "org_name", "org_uuid", "message", "pgp", "custom_perms", "perm_sync",
         "perm_publish", "perm_admin")  # fmt: skip


def _text(value: Any) -> str:
    """PHP's ``trim`` of a scalar, as MISP stores registration fields."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, dict | list):
        raise InvalidInput("registration fields must be strings")
    return str(value).strip()


def register(platform: Platform, payload: Any, *, ip: str, user_agent: str) -> None:
    """``users/register`` (no API key): store the request for an admin."""
    data = unwrap(payload, "User")
    with platform.write() as conn:
        if not settings.current(conn, "Security.allow_self_registration"):
            raise MethodNotAllowed("Self registration is not enabled on this instance.")
        request = {k: _text(data[k]) for k in _KEYS if data.get(k) is not None}
        request.setdefault("message", "")
        email = request.get("email", "")
        if not email:
            raise InvalidInput("We require at least the email field to be filled.")
        if "@" not in email or len(email) > 255:
            raise InvalidInput(f"Request could not be created. Errors: {email!r} is not an email")
        stored.add_registration(
            conn,
            {
                "title": f"User registration for {email}.",
                "comment": request["message"],
                "data": json.dumps(request),
                "ip": ip[:191],
                "user_agent": user_agent,
                "timestamp": platform.now(),
            },
        )


def list_registrations(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``users/registrations``: the waiting requests, ``data`` decoded."""
    require_site_admin(who)
    with platform.read() as conn:
        rows = stored.registrations(conn)
    return [{"Inbox": _inbox(r)} for r in rows]


def _inbox(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "title": row["title"],
        "type": row["type"],
        "ip": row["ip"],
        "user_agent": row["user_agent"],
        "comment": row["comment"],
        "deleted": False,
        "timestamp": str(row["timestamp"]),
        "store_as_file": False,
        "data": json.loads(row["data"]),
    }


def _ids(conn: Connection, ref: str) -> list[int]:
    out = []
    for part in ref.split("/"):
        num = as_id(part) if len(part) != 36 else stored.registration_id(conn, part)
        if num is not None:
            out.append(num)
    return out


def discard(platform: Platform, who: Identity, ref: str) -> int:
    """``users/discardRegistrations/{id}``: how many were discarded."""
    require_site_admin(who)
    with platform.write() as conn:
        found = stored.registrations(conn, _ids(conn, ref))
        stored.delete_registrations(conn, [int(r["id"]) for r in found])
        return len(found)


def accept(platform: Platform, who: Identity, ref: str, payload: Any) -> int:
    """``users/acceptRegistrations/{id}`` with ``{"User": {"org_id", "role_id"}}``:
    creates the users; how many."""
    require_site_admin(who)
    data = unwrap(payload, "User")
    if data.get("org_id") in (None, ""):
        raise InvalidInput("No organisation selected. Supply an Organisation ID")
    with platform.write() as conn:
        org_id = int(existing_org(conn, as_str(data["org_id"], "User.org_id"))["id"])
        found = stored.registrations(conn, _ids(conn, ref))
        if not found:
            raise InvalidInput("No new users added - there was nothing to add.")
        for row in found:
            user: dict[str, Any] = {"email": json.loads(row["data"]).get("email", "")}
            user["org_id"] = org_id
            if data.get("role_id") not in (None, ""):
                user["role_id"] = as_int(data["role_id"], "User.role_id")
            create_user(conn, platform.now(), who, {"User": user})
        stored.delete_registrations(conn, [int(r["id"]) for r in found])
        return len(found)
