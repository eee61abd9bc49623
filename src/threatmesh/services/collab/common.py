"""What the collaboration use cases share: MISP's datetime text and permission checks."""

from __future__ import annotations

import datetime as dt

from threatmesh.model.errors import Forbidden
from threatmesh.services.platform import Identity

#: What MISP answers a user whose role lacks the permission an action needs.
NO_PERMISSION = "You do not have permission to use this functionality."


def misp_datetime(epoch: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (UTC), as MISP shows its ``datetime`` columns."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def require_site_admin(who: Identity) -> None:
    """Refuse everyone but site administrators (MISP's ACL entries with no role)."""
    if not who.viewer.site_admin:
        raise Forbidden(NO_PERMISSION)


def require(who: Identity, *perms: str) -> None:
    """Refuse a user whose role lacks any of ``perms``."""
    if not all(who.viewer.can(p) for p in perms):
        raise Forbidden(NO_PERMISSION)
