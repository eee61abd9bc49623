"""Source reputation of organisations: computed from the evidence in the database,
cached briefly, shown on events and usable by policies (UMA here, ABE elsewhere)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from threatmesh.formats.misp_types import EventView
from threatmesh.model.errors import NotFound
from threatmesh.privacy.reputation import DAY, Evidence, EvidenceKind, Reputation, reputation
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import records as directory
from threatmesh.storage.provenance import reputation_evidence


def of_org(platform: Platform, conn: Connection, org_id: int) -> Reputation:
    """The reputation of organisation ``org_id`` now (cached for a few seconds)."""
    hit = platform.trust.cached_score(org_id)
    if isinstance(hit, Reputation):
        return hit
    rows = reputation_evidence.evidence_of(conn, org_id)
    result = reputation(
        (Evidence(EvidenceKind(kind), when) for kind, when in rows),
        now=platform.now(),
        half_life=platform.trust.reputation_half_life_days * DAY,
    )
    platform.trust.remember_score(org_id, result)
    return result


def _item(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _row(subject: int, source: int, kind: EvidenceKind, item: str, at: int) -> dict[str, Any]:
    return {"subject_org_id": subject, "source_org_id": source, "kind": kind.value,
            "item": item, "at": at}  # fmt: skip


def record_event_evidence(
    platform: Platform, conn: Connection, values: set[str], org_id: int
) -> None:
    """An event of ``org_id`` with ``values`` was written: each value that another
    organisation also reports corroborates both (evidence in both directions)."""
    now = platform.now()
    rows = []
    for other, value in reputation_evidence.reporters(conn, values, org_id):
        for subject, source in ((org_id, other), (other, org_id)):
            rows.append(_row(subject, source, EvidenceKind.MATCH, _item(value), now))
    reputation_evidence.upsert(conn, rows)
    if rows:
        platform.trust.forget_scores()


def record_sighting_evidence(
    platform: Platform, conn: Connection, sightings: list[dict[str, Any]]
) -> None:
    """Sightings (``type`` 0) and false positives (1) by another organisation than the
    event's creator: ``{"type", "org_id", "orgc_id", "attribute_uuid", "date_sighting"}``."""
    kinds = {0: EvidenceKind.SIGHTING.value, 1: EvidenceKind.FALSE_POSITIVE.value}
    rows = [
        {
            "subject_org_id": s["orgc_id"],
            "source_org_id": s["org_id"],
            "kind": kinds[s["type"]],
            "item": s["attribute_uuid"],
            "at": s["date_sighting"],
        }
        for s in sightings
        if s["type"] in kinds and s["org_id"] != s["orgc_id"]
    ]
    reputation_evidence.upsert(conn, rows)
    platform.trust.forget_scores()


def trust_level(platform: Platform, conn: Connection, org_id: int) -> int:
    """The integer trust level (0-5) of an organisation: what ``trust>=N`` compares.

    For other code (ABE key issuing, sharing rules): call it inside your own unit of
    work with its connection."""
    return of_org(platform, conn, org_id).level


def trust_of(
    platform: Platform, configured: Callable[[Connection, Any], int | None] | None = None
) -> Callable[[Connection, Any], int | None]:
    """A ``TrustOf`` for the ABE key authority: an organisation's configured level if it
    has one, else its reputation level (user facts carry the organisation's name)."""

    def level(conn: Connection, facts: Any) -> int | None:
        fixed = configured(conn, facts) if configured is not None else None
        if fixed is not None:
            return fixed
        row = directory.find_org(conn, str(facts["org"]))
        return None if row is None else trust_level(platform, conn, int(row["id"]))

    return level


def decorate_event(platform: Platform, conn: Connection, event: EventView) -> None:
    """Add ``Orgc.reputation`` to an event in MISP JSON (PyMISP keeps unknown keys)."""
    orgc = event["Orgc"]
    if orgc["id"].isdigit():
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
        rows = reputation_evidence.subjects(conn)
        return [{"Reputation": _summary(platform, conn, r)} for r in rows]
