"""Provenance (history and verification) and source reputation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, platform_of
from threatmesh.services.platform import Identity
from threatmesh.services.provenance import log as provenance
from threatmesh.services.provenance import reputation

router = APIRouter(tags=["trust"])


@router.get("/provenance/events/{uuid}")
def event_history(request: Request, uuid: str, who: Identity = Depends(identify)) -> MispJSON:
    """An event's provenance records, each verified, and whether its content is the last
    recorded version."""
    return MispJSON(provenance.event_history(platform_of(request), who, uuid))


@router.get("/provenance/verify")
def verify(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Verify the whole log: hashes, signatures, links, and its end against the head."""
    return MispJSON(provenance.verify_log(platform_of(request)))


@router.get("/provenance/key")
def key(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The public key provenance records are signed with (pin it to verify elsewhere)."""
    return MispJSON(provenance.public_key(platform_of(request)))


@router.get("/reputation/organisations")
def reputations(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Every organisation's source reputation."""
    return MispJSON(reputation.index(platform_of(request), who))


@router.get("/reputation/organisations/{ref}")
def org_reputation(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One organisation's source reputation (by id, UUID or name)."""
    return MispJSON(reputation.view(platform_of(request), who, ref))
