"""Sync configurations handed from one instance to another (MISP's
``servers/createSync`` and ``servers/import``; PyMISP's ``get_sync_config`` and
``import_server``).

A remote instance's sync user asks us for the configuration that connects to us
(``createSync``): our URL, a new API key of its own, and our host organisation. The
remote's site admin imports it there (``import``), which adds a connection with push
and pull off (MISP's defaults), naming our host organisation as the remote one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.services.admin.users import issue_key
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import servers
from threatmesh.storage.directory import organisations as orgs
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync import store as sync_store


def create_sync(platform: Platform, who: Identity) -> dict[str, Any]:
    """``servers/createSync``: the configuration a remote instance imports to sync with
    us as the caller (a sync user; never a site admin, as in MISP, which answers 405
    where we answer 403: the method is fine, the caller is not). Each call issues a
    new API key for the caller (MISP's advanced auth keys do the same: keys are stored
    hashed here, so an existing one cannot be handed out again)."""
    if who.viewer.site_admin:
        raise Forbidden("Site admin accounts cannot be used to create server sync configurations.")
    if not who.viewer.can("perm_sync"):
        raise Forbidden("You do not have permission to use this functionality.")
    if not platform.base_url:
        raise Forbidden(
            "Cannot create sync config - this instance does not know its public URL "
            "(THREATMESH_BASE_URL)."
        )
    now = platform.now()
    with platform.write() as conn:
        host = sync_store.host_org(conn)
        if host is None:
            raise Forbidden("Cannot create sync config - no host organisation.")
        when = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        key = issue_key(conn, who.viewer.user_id, now, f"Auto generated sync key - {when}")
    server = {
        "url": platform.base_url,
        "authkey": key,
        "Organisation": {"name": host["name"], "uuid": host["uuid"]},
    }
    return {"Server": server}


def _config(payload: Any) -> Mapping[str, Any]:
    """The configuration in ``payload``: ``{"Server": {...}}``, the bare object, or
    MISP's form field ``{"json": "<the configuration as text>"}``."""
    data = unwrap(payload, "Server")
    if isinstance(data.get("json"), str):
        try:
            data = unwrap(json.loads(data["json"]), "Server")
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Server.json: not valid JSON: {exc}") from None
    return data


def import_config(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``servers/import``: add the connection a remote's ``createSync`` described, with
    push and pull off, naming its host organisation (created here by UUID if unknown)
    as the remote organisation."""
    servers.require_admin(who)
    data = _config(payload)
    remote = data.get("Organisation")
    if not isinstance(remote, Mapping) or not remote.get("uuid"):
        raise InvalidInput("Server.Organisation: the remote's host organisation (name, uuid)")
    fields = {
        "url": data.get("url"),
        "name": data.get("name") or data.get("url"),
        "authkey": data.get("authkey"),
        "RemoteOrg": {"uuid": remote["uuid"], "name": remote.get("name")},
        **({"uuid": data["uuid"]} if data.get("uuid") else {}),
    }
    with platform.write() as conn:
        values = servers.values_of(conn, fields, platform.now(), new=True)
        values.update(push=False, pull=False, push_sightings=False, org_id=who.viewer.org_id)
        server_id = server_rows.insert_server(conn, values)
        return servers.public(servers.get(conn, str(server_id)), orgs.orgs_by_id(conn))
