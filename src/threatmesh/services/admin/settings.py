"""Server settings (MISP's ``servers/serverSettings``, ``servers/getSetting``,
``servers/serverSettingsEdit``): the settings of
:mod:`threatmesh.model.admin.settings`, their stored values over their defaults.

Site admins only, as in MISP. Values are stored as JSON in the database, so every
process serving the instance reads the same ones.
"""

from __future__ import annotations

import json
from typing import Any

from threatmesh.model.admin.settings import SETTINGS, Setting, setting
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services.admin import logs
from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import settings as stored


def values(conn: Connection) -> dict[str, bool | int | str]:
    """Every known setting's current value (stored, else its default)."""
    saved = stored.server_values(conn)
    out: dict[str, bool | int | str] = {}
    for name, spec in SETTINGS.items():
        out[name] = json.loads(saved[name]) if name in saved else spec.default
    return out


def current(conn: Connection, name: str) -> bool | int | str:
    """The current value of the known setting ``name``."""
    return values(conn)[name]


def _known(name: str) -> Setting:
    spec = setting(name)
    if spec is None:
        raise NotFound(f"Setting {name} is invalid.")
    return spec


def server_settings(platform: Platform, who: Identity) -> dict[str, Any]:
    """``servers/serverSettings``: every setting with its value, MISP's shape."""
    require_site_admin(who)
    with platform.read() as conn:
        now = values(conn)
    final = [SETTINGS[name].describe(value) for name, value in now.items()]
    return {"finalSettings": final, "diagnostics": 0}


def get_setting(platform: Platform, who: Identity, name: str) -> dict[str, Any]:
    """``servers/getSetting/{name}``: the setting and its value."""
    require_site_admin(who)
    spec = _known(name)
    with platform.read() as conn:
        return spec.describe(current(conn, name))


def edit_setting(platform: Platform, who: Identity, name: str, payload: Any) -> None:
    """``servers/serverSettingsEdit/{name}`` with ``{"value": ..., "force": ...}``."""
    require_site_admin(who)
    spec = _known(name)
    data = payload.get("Server", payload) if isinstance(payload, dict) else None
    if not isinstance(data, dict) or "value" not in data:
        raise InvalidInput('Invalid input. Expected: {"value": "new_setting"}')
    value = spec.coerce(data["value"])
    with platform.write() as conn:
        before = current(conn, name)
        stored.set_server_value(conn, name, json.dumps(value), platform.now())
        # MISP's entry (``Server::serverSettingsSaveValue``).
        logs.entry(conn, platform.now(), who, model="Server", model_id=0,
                    action="serverSettingsEdit", title="Server setting changed",
                    change=f"{name} ({_shown(before)}) => ({_shown(value)})")  # fmt: skip


def _shown(value: bool | int | str) -> str:
    """A setting's value as MISP writes it in the log (booleans as ``true``/``false``)."""
    return json.dumps(value) if isinstance(value, bool) else str(value)
