"""Organisations (MISP's ``admin/organisations/add|edit|delete``,
``organisations/view|index``)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from threatmesh.formats.fields import as_bool, as_str, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.services.admin.checks import existing_org, require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import org_references
from threatmesh.storage.directory import organisations as orgs
from threatmesh.storage.directory import records as directory

_ORG_TEXT = ("description", "type", "nationality", "sector", "contacts")


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
    """``admin/organisations/add`` (``who`` None for the bootstrap and the CLI)."""
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
        oid = orgs.insert_org(
            conn,
            values
            | {
                "uuid": org_uuid,
                "date_created": now,
                "date_modified": now,
                "created_by": who.viewer.user_id if who else 0,
            },
        )
        notify.organisation(conn, oid, "add")
        row = existing_org(conn, oid)
        return directory.org_summary(row) if who is None else shown(conn, who, row)


def edit_org(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``admin/organisations/edit``."""
    require_site_admin(who)
    values = _org_values(unwrap(payload, "Organisation"), partial=True)
    with platform.write() as conn:
        row = existing_org(conn, ref)
        orgs.update_org(conn, row["id"], values | {"date_modified": platform.now()})
        notify.organisation(conn, row["id"], "edit")
        return shown(conn, who, existing_org(conn, row["id"]))


def delete_org(platform: Platform, who: Identity, ref: str) -> None:
    """``admin/organisations/delete``: refused while anything still relies on the
    organisation (users, events, sharing groups it owns...); the rows that only mean
    something while it exists go with it (see
    :mod:`threatmesh.storage.directory.org_references`)."""
    require_site_admin(who)
    with platform.write() as conn:
        row = existing_org(conn, ref)
        busy = org_references.blockers(conn, row)
        if busy:
            raise Conflict(
                f"Organisation {row['name']!r} cannot be deleted, it still has: "
                f"{', '.join(busy)}. Remove those first."
            )
        notify.organisation(conn, row["id"], "delete")
        org_references.remove_dependents(conn, row["id"])
        orgs.delete_org(conn, row["id"])


def shown(conn: Connection, who: Identity, row: Row) -> dict[str, Any]:
    """An organisation as ``who`` may see it: MISP shows who created it only to site
    admins and to the organisation's own admins (with the creator's email), and hides
    ``created_by`` from everyone else."""
    out = directory.org_summary(row)
    full = who.viewer.site_admin or (
        who.viewer.can("perm_admin") and who.viewer.org_id == row["id"]
    )
    if not full:
        del out["created_by"]
        return out
    creator = directory.find_user(conn, row["created_by"]) if row["created_by"] else None
    out["created_by_email"] = creator["email"] if creator is not None else "Unknown"
    return out


def view_org(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``organisations/view``."""
    with platform.read() as conn:
        return shown(conn, who, existing_org(conn, ref))


def list_orgs(
    platform: Platform, who: Identity, scope: str = "local", search: str | None = None
) -> list[dict[str, Any]]:
    """``organisations/index/scope:{local,external,all}/searchall:...``."""
    with platform.read() as conn:
        rows = orgs.list_orgs(conn, scope, search or None)
        return [{"Organisation": shown(conn, who, r)} for r in rows]


def find_org_id(platform: Platform, ref: str) -> int | None:
    """The id of organisation ``ref`` (id, UUID or name), None if there is none (for
    the operator's CLI, which may name any organisation)."""
    with platform.read() as conn:
        row = directory.find_org(conn, ref)
    return None if row is None else int(row["id"])
