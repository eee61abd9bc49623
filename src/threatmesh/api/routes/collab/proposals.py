"""``shadowAttributes/*``: MISP's ``ShadowAttributesController`` (attribute proposals)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, named_params, platform_of
from threatmesh.services.collab import proposals
from threatmesh.services.platform import Identity

router = APIRouter(tags=["attribute proposals"])


def _answer(message: str, url: str) -> MispJSON:
    """MISP's ``{"name", "message", "url"}`` answer to an accept or a discard."""
    return MispJSON({"name": message, "message": message, "url": url})


@router.post("/shadowAttributes/add/{event_ref}")
def add(
    request: Request,
    event_ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Propose a new attribute for an event the caller sees."""
    return MispJSON(proposals.add(platform_of(request), who, event_ref, body))


@router.post("/shadowAttributes/edit/{attribute_ref}")
def edit(
    request: Request,
    attribute_ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Propose new values for some fields of an attribute (id or UUID)."""
    return MispJSON(proposals.propose_edit(platform_of(request), who, attribute_ref, body))


@router.post("/shadowAttributes/delete/{attribute_ref}")
def delete(request: Request, attribute_ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Propose deleting an attribute (id or UUID)."""
    proposals.propose_delete(platform_of(request), who, attribute_ref)
    message = "The proposal to delete the attribute has been saved"
    return MispJSON({"saved": True, "success": message})


@router.get("/shadowAttributes/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One proposal, by id."""
    return MispJSON(proposals.view(platform_of(request), who, ref))


@router.get("/shadowAttributes/index")
@router.get("/shadowAttributes/index/{tail:path}")
def index(request: Request, tail: str | None = None, who: Identity = Depends(identify)) -> MispJSON:
    """The proposals the caller sees: all, or one event's (``index/{event}``); named
    parameters ``timestamp:``, ``limit:``, ``page:``."""
    parts = [p for p in (tail or "").split("/") if p]
    event_ref = next((p for p in parts if ":" not in p), None)
    found = proposals.index(platform_of(request), who, event_ref, named_params(tail))
    return MispJSON(found)


@router.post("/shadowAttributes/accept/{ref}")
def accept(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Accept a proposal: the event changes as proposed."""
    message = proposals.accept(platform_of(request), who, ref)
    return _answer(message, f"/shadow_attributes/accept/{ref}")


@router.post("/shadowAttributes/discard/{ref}")
def discard(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Discard a proposal."""
    proposals.discard(platform_of(request), who, ref)
    return _answer("Proposal discarded.", f"/shadow_attributes/discard/{ref}")
