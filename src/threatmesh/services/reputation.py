"""Source reputation of organisations: computed from the evidence in the database,
cached briefly, shown on events and usable by policies (UMA here, ABE elsewhere)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.errors import NotFound
from threatmesh.privacy.reputation import DAY, Evidence, EvidenceKind, Reputation, reputation
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage import directory, reputation_evidence
from threatmesh.storage.tables import organisations


def of_org(platform: Platform, conn: Connection, org_id: int) -> Reputation:
    """The reputation of organisation ``org_id`` now (cached for a few seconds)."""
    hit = platform.trust.cached_score(org_id)
    if isinstance(hit, Reputation):
        return hit
    rows = reputation_evidence.sighting_evidence(conn, org_id)
    rows += reputation_evidence.match_evidence(conn, org_id)
    result = reputation(
        (Evidence(EvidenceKind(kind), when) for kind, when in rows),
        now=platform.now(),
        half_life=platform.trust.reputation_half_life_days * DAY,
    )
    platform.trust.remember_score(org_id, result)
    return result


def trust_level(platform: Platform, conn: Connection, org_id: int) -> int:
    """The integer trust level (0-5) of an organisation: what ``trust>=N`` compares.

    For other code (ABE key issuing, sharing rules): call it inside your own unit of
    work with its connection."""
    return of_org(platform, conn, org_id).level


def decorate_event(platform: Platform, conn: Connection, event: dict[str, Any]) -> None:
    """Add ``Orgc.reputation`` to an event in MISP JSON (PyMISP keeps unknown keys)."""
    orgc = event.get("Orgc")
    if isinstance(orgc, dict) and str(orgc.get("id", "")).isdigit():
        orgc["reputation"] = of_org(platform, conn, int(orgc["id"])).as_dict()


def _summary(platform: Platform, conn: Connection, row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "name": row["name"],
        **of_org(platform, conn, int(row["id"])).as_dict(),
        "half_life_days": platform.trust.reputation_half_life_days,
        "computed_at": platform.now(),
    }


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``GET /reputation/organisations/{ref}``: one organisation's reputation."""
    with platform.read() as conn:
        row = directory.find_org(conn, ref)
        if row is None:
            raise NotFound("Invalid organisation.")
        return {"Reputation": _summary(platform, conn, row)}


def index(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``GET /reputation/organisations``: every organisation's reputation."""
    with platform.read() as conn:
        rows = conn.execute(sa.select(organisations).order_by(organisations.c.id)).mappings()
        return [{"Reputation": _summary(platform, conn, r)} for r in rows.all()]
