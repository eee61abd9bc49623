"""User settings (MISP's ``userSettings/setSetting|getSetting|index|delete``).

A user reads and writes its own settings; acting on another user's settings (a
``user_id`` in the request) follows :func:`threatmesh.model.user_access.may_manage_user`:
seeing them needs VIEW, changing them MANAGE. Values are JSON: a string that holds a
JSON object or list (what PyMISP sends for a dict) is stored decoded, as MISP does.
"""

from __future__ import annotations

import json
from typing import Any

from threatmesh.formats.fields import as_str
from threatmesh.model.admin.settings import USER_SETTINGS
from threatmesh.model.errors import Forbidden, InvalidInput, MethodNotAllowed, NotFound
from threatmesh.model.user_access import UserAction, may_manage_user
from threatmesh.services.admin import users as user_service
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import settings as stored


def summary(row: Row) -> dict[str, Any]:
    """A user setting as MISP shows it (``value`` decoded)."""
    return {
        "id": str(row["id"]),
        "setting": row["setting"],
        "value": json.loads(row["value"]),
        "user_id": str(row["user_id"]),
        "timestamp": str(row["timestamp"]),
    }


def _request(payload: Any) -> dict[str, Any]:
    data = payload.get("UserSetting", payload) if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise InvalidInput("UserSetting: expected a JSON object")
    return data


def _name(data: dict[str, Any]) -> str:
    name = as_str(data.get("setting"), "UserSetting.setting", max_len=255).strip()
    if not name:
        raise InvalidInput("No setting name provided.")
    return name


def _target(conn: Connection, who: Identity, data: dict[str, Any], action: UserAction) -> int:
    """The user whose setting is meant: the caller, or ``user_id`` if it may act on it."""
    ref = data.get("user_id")
    if ref in (None, "", "me") or str(ref) == str(who.user["id"]):
        return int(who.user["id"])
    user, facts = user_service.reachable(conn, who, str(ref))
    if not may_manage_user(who.viewer, facts, action):
        raise Forbidden("You are not authorised to change the settings of this user.")
    return int(user["id"])


def _value(raw: Any) -> Any:
    if isinstance(raw, str):
        # PyMISP with orjson sends a dict as ``str(bytes)``: "b'{...}'"
        text = raw[2:-1] if raw.startswith("b'") and raw.endswith("'") else raw
        try:
            decoded = json.loads(text)
        except ValueError:
            return raw
        return decoded if isinstance(decoded, dict | list) else raw
    return raw


def set_setting(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``userSettings/setSetting``: ``{"setting", "value"[, "user_id"]}``."""
    data = _request(payload)
    name = _name(data)
    if name not in USER_SETTINGS:
        raise MethodNotAllowed("Invalid setting.")
    if "value" not in data:
        raise InvalidInput("UserSetting.value: a value is required")
    text = json.dumps(_value(data["value"]))
    with platform.write() as conn:
        user_id = _target(conn, who, data, UserAction.MANAGE)
        row_id = stored.set_user_value(conn, user_id, name, text, platform.now())
        row = stored.user_setting_by_id(conn, row_id)
        assert row is not None
        return {"UserSetting": summary(row)}


def get_setting(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``userSettings/getSetting``: ``{"setting"[, "user_id"]}``."""
    data = _request(payload)
    name = _name(data)
    if name not in USER_SETTINGS:
        raise NotFound("Invalid setting.")
    with platform.read() as conn:
        user_id = _target(conn, who, data, UserAction.VIEW)
        row = stored.user_setting(conn, user_id, name)
    if row is None:
        raise NotFound("Invalid setting.")
    return {"UserSetting": summary(row)}


def list_settings(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``userSettings/index``: the caller's settings."""
    with platform.read() as conn:
        rows = stored.user_values(conn, int(who.user["id"]))
    return [{"UserSetting": summary(r)} for r in rows]


def delete_setting(platform: Platform, who: Identity, payload: Any) -> None:
    """``userSettings/delete``: ``{"setting"[, "user_id"]}``."""
    data = _request(payload)
    name = _name(data)
    with platform.write() as conn:
        user_id = _target(conn, who, data, UserAction.MANAGE)
        row = stored.user_setting(conn, user_id, name)
        if row is None:
            raise NotFound("Invalid setting.")
        stored.delete_user_setting(conn, int(row["id"]))


def of_user(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The settings of user ``user_id`` (for ``users/view``)."""
    return [summary(r) for r in stored.user_values(conn, user_id)]
