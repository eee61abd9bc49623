"""Server connections (MISP's ``servers/add|index|edit|delete|testConnection``).

A connection names a remote instance, the API key of a sync user there, whether to
push and/or pull, and MISP's JSON rules by tag and organisation. The key is stored so
the platform can use it and is never part of any answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from threatmesh import MISP_COMPAT_VERSION
from threatmesh.client.misp import Backoff, MispClient, RemoteError
from threatmesh.formats.fields import as_bool, as_id, as_int, as_str, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound
from threatmesh.model.sync import parse_rules
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import organisations as orgs
from threatmesh.storage.directory import records as directory
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync import store as sync_store

_FLAGS = ("push", "pull", "push_sightings", "self_signed", "internal")


def require_admin(who: Identity) -> None:
    """Server connections are the site admin's business, as in MISP."""
    if not who.viewer.site_admin:
        raise Forbidden("Only site admins may manage server connections.")


def _url(raw: Any) -> str:
    url = as_str(raw, "Server.url", max_len=255).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"Server.url: {url!r} is not an http(s) base URL")
    return url


def _remote_org(conn: Connection, data: Mapping[str, Any], now: int) -> int | None:
    """The remote organisation: ``remote_org_id`` (a local id), or ``RemoteOrg`` /
    ``remote_org_uuid`` by UUID (created here if unknown)."""
    remote = data.get("RemoteOrg")
    org_uuid = data.get("remote_org_uuid") or (
        remote.get("uuid") if isinstance(remote, Mapping) else None
    )
    if org_uuid:
        name = remote.get("name") if isinstance(remote, Mapping) else None
        return sync_store.ensure_org(conn, as_uuid(org_uuid, "Server.remote_org_uuid"), name, now)
    if data.get("remote_org_id") in (None, ""):
        return None
    org_id = as_int(data["remote_org_id"], "Server.remote_org_id")
    if org_id and directory.find_org(conn, org_id) is None:
        raise InvalidInput(f"Server.remote_org_id: no organisation {org_id}")
    return org_id


def values_of(conn: Connection, data: Mapping[str, Any], now: int, *, new: bool) -> dict[str, Any]:
    """The columns of a connection from MISP JSON ``data`` (validated; ``new``: the
    required fields must be there; else only the fields sent)."""
    values: dict[str, Any] = {}
    if new or "url" in data:
        values["url"] = _url(data.get("url"))
    if new or "name" in data:
        values["name"] = as_str(data.get("name") or values.get("url"), "Server.name", max_len=255)
    if new or "authkey" in data:
        key = as_str(data.get("authkey"), "Server.authkey", max_len=255).strip()
        if len(key) < 40 or not key.isalnum():
            raise InvalidInput("Server.authkey: the remote sync user's key (40 characters)")
        values["authkey"] = key
    for flag in _FLAGS:
        if flag in data:
            values[flag] = as_bool(data[flag], f"Server.{flag}")
    for rules in ("pull_rules", "push_rules"):
        if rules in data:
            values[rules] = parse_rules(data[rules], f"Server.{rules}").to_json()
    if data.get("uuid"):
        values["uuid"] = as_str(data["uuid"], "Server.uuid", max_len=36).lower()
    org = _remote_org(conn, data, now)
    if org is not None:
        values["remote_org_id"] = org
    return values


def public(server: Row, orgs_by_id: Mapping[int, Row]) -> dict[str, Any]:
    """A connection as MISP shows it, without the key."""
    # No key, ever; no empty uuid either (PyMISP would address the server by it).
    shown = {
        k: server[k]
        for k in server.keys()
        if k != "authkey" and not (k == "uuid" and not server[k])
    }
    out: dict[str, Any] = {
        "Server": {str(k): (v if isinstance(v, bool) else str(v)) for k, v in shown.items()}
    }
    for key, org_id in (("Organisation", server["org_id"]), ("RemoteOrg", server["remote_org_id"])):
        org = orgs_by_id.get(org_id)
        out[key] = {"id": str(org["id"]), "name": org["name"], "uuid": org["uuid"]} if org else {}
    out["User"] = []
    return out


def get(conn: Connection, ref: str) -> Row:
    """A connection by id, or by the remote instance's UUID (as PyMISP may address it)."""
    num = as_id(str(ref))
    if num is None and len(ref) == 36:
        num = server_rows.server_id_by_uuid(conn, ref)
    server = None if num is None else server_rows.server(conn, num)
    if server is None:
        raise NotFound("Invalid server.")
    return server


def add(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``servers/add``."""
    require_admin(who)
    data = unwrap(payload, "Server")
    with platform.write() as conn:
        values = values_of(conn, data, platform.now(), new=True)
        values.setdefault("org_id", who.viewer.org_id)
        server_id = server_rows.insert_server(conn, values)
        return public(get(conn, str(server_id)), orgs.orgs_by_id(conn))


def index(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``servers/index``: every connection (site admin) without keys."""
    require_admin(who)
    with platform.read() as conn:
        by_id = orgs.orgs_by_id(conn)
        return [public(server, by_id) for server in server_rows.list_servers(conn)]


def edit(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``servers/edit/{id}``: fields not sent keep their value (an empty key too)."""
    require_admin(who)
    data = dict(unwrap(payload, "Server"))
    if not data.get("authkey"):
        data.pop("authkey", None)
    with platform.write() as conn:
        server = get(conn, ref)
        values = values_of(conn, data, platform.now(), new=False)
        if values:
            server_rows.update_server(conn, server["id"], values)
        return public(get(conn, ref), orgs.orgs_by_id(conn))


def delete(platform: Platform, who: Identity, ref: str) -> int:
    """``servers/delete/{id}`` (its cursors and log go with it)."""
    require_admin(who)
    with platform.write() as conn:
        server = get(conn, ref)
        server_rows.delete_server(conn, server["id"])
        return int(server["id"])


def client_for(server: Row, backoff: Backoff | None = None) -> MispClient:
    """An HTTP client for connection ``server``."""
    return MispClient(
        server["url"], server["authkey"], verify=not server["self_signed"], backoff=backoff
    )


def test_connection(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``servers/testConnection/{id}``: reach the remote, check the key and the sync
    permission; learn the remote organisation if the connection has none yet."""
    require_admin(who)
    with platform.read() as conn:
        server = get(conn, ref)
    try:
        with client_for(server, Backoff(attempts=1)) as client:
            version = client.version()
            me = client.me()
    except RemoteError as exc:
        status = 4 if exc.remote_status in (401, 403) else (2 if exc.remote_status is None else 3)
        return {"status": status, "message": exc.message}
    org = me.get("Organisation") or {}
    if not server["remote_org_id"] and org.get("uuid"):
        with platform.write() as conn:
            org_id = sync_store.ensure_org(conn, org["uuid"], org.get("name"), platform.now())
            server_rows.update_server(conn, server["id"], {"remote_org_id": org_id})
    remote = str(version.get("version"))
    return {
        "status": 1,
        "local_version": MISP_COMPAT_VERSION,
        "version": remote,
        "mismatch": remote.split(".")[:2] != MISP_COMPAT_VERSION.split(".")[:2],
        "newer": "remote" if remote > MISP_COMPAT_VERSION else "local",
        "perm_sync": bool(version.get("perm_sync")),
        "perm_sighting": bool(version.get("perm_sighting")),
        "threatmesh": "threatmesh_version" in version,
    }


def switches(platform: Platform, ids: list[int] | None = None) -> list[tuple[int, bool, bool]]:
    """(id, pull on, push on) of connections ``ids``, or of every one (for the
    operator's CLI)."""
    with platform.read() as conn:
        return server_rows.switches(conn, ids)
