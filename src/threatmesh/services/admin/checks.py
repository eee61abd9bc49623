"""What the administration use cases check alike: the caller's rights, and that an
organisation they name exists."""

from __future__ import annotations

from threatmesh.model.errors import ACL_REFUSAL, Forbidden, NotFound
from threatmesh.services.platform import Identity
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory


def require_site_admin(who: Identity) -> None:
    """Only site admins manage the instance."""
    if not who.viewer.site_admin:
        raise Forbidden(ACL_REFUSAL)


def existing_org(conn: Connection, ref: str | int) -> Row:
    """Organisation ``ref`` (id, UUID or name); "Invalid organisation." if none."""
    row = directory.find_org(conn, ref)
    if row is None:
        raise NotFound("Invalid organisation.")
    return row
