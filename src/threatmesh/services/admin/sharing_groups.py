"""Sharing groups: who besides the distribution levels may read an event."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from threatmesh.formats.fields import as_bool, as_int, as_str, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import sharing_groups as groups


def _require(who: Identity) -> None:
    if not who.viewer.can("perm_sharing_group"):
        raise Forbidden(ACL_REFUSAL)


def _find(conn: Connection, who: Identity, ref: str, *, manage: bool) -> Row:
    row = groups.find_sharing_group(conn, ref)
    if row is None or not (
        who.viewer.site_admin
        or row["id"] in who.viewer.sharing_group_ids
        or row["org_id"] == who.viewer.org_id
    ):
        raise NotFound("Invalid sharing group.")
    if manage and not (who.viewer.site_admin or row["org_id"] == who.viewer.org_id):
        raise Forbidden("Only the organisation that created the sharing group may change it.")
    return row


def view(conn: Connection, sg_id: int) -> dict[str, Any]:
    """A sharing group with its ``SharingGroupOrg`` and ``SharingGroupServer`` lists."""
    row = groups.sharing_group(conn, sg_id)
    owner = directory.find_org(conn, row["org_id"])
    return {
        "SharingGroup": {
            # str(k): column names are quoted_name, a str subclass orjson refuses as a key.
            str(k): (str(v) if k in ("id", "org_id", "created", "modified") else v)
            for k, v in row.items()
        },
        "Organisation": directory.org_summary(owner) if owner else {},
        "SharingGroupOrg": [
            {
                "sharing_group_id": str(sg_id),
                "org_id": str(r["org_id"]),
                "extend": bool(r["extend"]),
                "Organisation": {"id": str(r["org_id"]), "name": r["name"], "uuid": r["uuid"]},
            }
            for r in groups.member_orgs(conn, sg_id)
        ],
        "SharingGroupServer": [
            {
                "sharing_group_id": str(sg_id),
                "server_id": str(s["server_id"]),
                "all_orgs": bool(s["all_orgs"]),
            }
            for s in groups.member_servers(conn, sg_id)
        ],
    }


def add(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """``sharingGroups/add``: as MISP's API does, the group has no member organisation
    yet (its creator organisation owns it, and sees and manages it as the owner, but
    reads its data only once it adds itself), and, unless roaming, lists this instance
    (server 0) without all-orgs."""
    _require(who)
    data = unwrap(payload, "SharingGroup")
    name = as_str(data.get("name"), "SharingGroup.name", max_len=255).strip()
    if not name:
        raise InvalidInput("SharingGroup.name: a sharing group needs a name")
    sg_uuid = (
        as_uuid(data["uuid"], "SharingGroup.uuid") if data.get("uuid") else str(uuidlib.uuid4())
    )
    now = platform.now()
    with platform.write() as conn:
        if groups.name_or_uuid_taken(conn, name, sg_uuid):
            raise Conflict(f"Sharing group {name!r} already exists.")
        sg_id = groups.insert_sharing_group(
            conn,
            {
                "uuid": sg_uuid,
                "name": name,
                "org_id": who.viewer.org_id,
                "created": now,
                "modified": now,
                "description": str(data.get("description") or ""),
                "releasability": str(data.get("releasability") or ""),
                "active": as_bool(data.get("active", True), "SharingGroup.active"),
                "roaming": as_bool(data.get("roaming", False), "SharingGroup.roaming"),
            },
        )
        if not as_bool(data.get("roaming", False), "SharingGroup.roaming"):
            groups.add_server(conn, sg_id, 0, all_orgs=False)
        return view(conn, sg_id)


def edit(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``sharing_groups/edit/{id|uuid}``: name, releasability, description, active and
    roaming change (members change through addOrg/removeOrg/addServer/removeServer)."""
    _require(who)
    data = unwrap(payload, "SharingGroup")
    values: dict[str, Any] = {}
    if data.get("name") is not None:
        values["name"] = as_str(data["name"], "SharingGroup.name", max_len=255).strip()
        if not values["name"]:
            raise InvalidInput("SharingGroup.name: a sharing group needs a name")
    for key in ("releasability", "description"):
        if data.get(key) is not None:
            values[key] = as_str(data[key], f"SharingGroup.{key}")
    for flag in ("active", "roaming"):
        if data.get(flag) is not None:
            values[flag] = as_bool(data[flag], f"SharingGroup.{flag}")
    with platform.write() as conn:
        row = _find(conn, who, ref, manage=True)
        other = groups.find_sharing_group(conn, values.get("name", row["name"]))
        if other is not None and other["id"] != row["id"]:
            raise Conflict(f"Sharing group {values['name']!r} already exists.")
        groups.update_sharing_group(conn, row["id"], values | {"modified": platform.now()})
        return view(conn, row["id"])


def exists(platform: Platform, who: Identity, ref: str) -> bool:
    """``HEAD sharing_groups/view``: whether the group exists and the caller may see it."""
    with platform.read() as conn:
        try:
            _find(conn, who, ref, manage=False)
        except NotFound:
            return False
    return True


def get(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``sharing_groups/view``."""
    with platform.read() as conn:
        return view(conn, _find(conn, who, ref, manage=False)["id"])


def index(platform: Platform, who: Identity) -> dict[str, Any]:
    """``sharingGroups/index``: the groups the user can see."""
    with platform.read() as conn:
        visible = [
            i
            for i, org in groups.owners(conn)
            if who.viewer.site_admin
            or i in who.viewer.sharing_group_ids
            or org == who.viewer.org_id
        ]
        return {"response": [view(conn, i) for i in visible]}


def delete(platform: Platform, who: Identity, ref: str) -> None:
    """``sharingGroups/delete``."""
    _require(who)
    with platform.write() as conn:
        row = _find(conn, who, ref, manage=True)
        groups.delete_sharing_group(conn, row["id"])


def set_member(platform: Platform, who: Identity, payload: Any, *, kind: str, add: bool) -> None:
    """``sharingGroups/addOrg|removeOrg|addServer|removeServer``: a member is taken
    out, then (``add``) put back with the flags sent."""
    _require(who)
    data = unwrap(payload, "SharingGroup")
    with platform.write() as conn:
        row = _find(
            conn, who, str(data.get("sg_id") or data.get("sharing_group_id") or ""), manage=True
        )
        if kind == "org":
            org = directory.find_org(conn, str(data.get("org_id") or ""))
            if org is None:
                raise NotFound("Invalid organisation.")
            extend = as_bool(data.get("extend", False), "extend")
            groups.remove_org(conn, row["id"], org["id"])
            if add:
                groups.add_org(conn, row["id"], org["id"], extend=extend)
        else:
            server_id = as_int(data.get("server_id", 0), "server_id")
            all_orgs = as_bool(data.get("all_orgs", False), "all_orgs")
            groups.remove_server(conn, row["id"], server_id)
            if add:
                groups.add_server(conn, row["id"], server_id, all_orgs=all_orgs)
