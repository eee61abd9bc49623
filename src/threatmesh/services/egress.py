"""The egress hook: every MISP event leaving the organisation passes through
:func:`outbound`, after distribution filtering.

Callers: sync push (one call per event sent to a server) and events served to a
remote instance's sync user (``events/view`` and ``events/restSearch`` asked by a user
whose role has ``perm_sync``). The anonymizer plugs in here: its implementation
replaces the body of :func:`outbound` and keeps this signature. This version lets
the event leave unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Connection

from threatmesh.services.platform import Platform


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives an event that leaves the organisation."""

    kind: Literal["server", "organisation", "sharing_group", "taxii_collection", "feed", "export"]
    #: server id, org uuid, sharing-group uuid, collection id, feed name, format
    ident: str
    #: the receiving organisation, when known
    org_uuid: str | None = None


def outbound(
    platform: Platform, conn: Connection, event: dict[str, Any], recipient: Recipient
) -> dict[str, Any]:
    """Every MISP event (the inner dict of {"Event": ...}) leaving the organisation passes here,
    after distribution filtering; returns what may leave."""
    return event
