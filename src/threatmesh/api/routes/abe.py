"""``abe/*`` (the key authority) and ``protected/*`` (blind-index keys)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, platform_of
from threatmesh.api.openapi import errors
from threatmesh.services.abe import protected
from threatmesh.services.abe.key_authority import KeyAuthority
from threatmesh.services.platform import Identity

router = APIRouter(tags=["protected intelligence"])


def _authority(request: Request) -> KeyAuthority:
    authority: KeyAuthority = request.app.state.key_authority
    return authority


@router.get("/abe/public_key", responses=errors(409))  # set up on first use
def public_key(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The current authority epoch and its FAME public key."""
    return MispJSON(_authority(request).public_key(platform_of(request)))


@router.post("/abe/keys")
def issue_key(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """An attribute key for the caller, sealed to ``x25519_public_key``; shown once."""
    return MispJSON(_authority(request).issue(platform_of(request), who, body))


@router.post("/abe/revoke/{user_ref}")
def revoke(request: Request, user_ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Revoke a user's keys and roll the epoch (site admins)."""
    return MispJSON(_authority(request).revoke(platform_of(request), who, user_ref))


@router.post("/protected/index_keys")
def add_index_key(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Store a blind-index key encrypted under its policy."""
    return MispJSON({"IndexKey": protected.add_index_key(platform_of(request), who, body)})


@router.get("/protected/index_keys/{key_id}")
def view_index_key(request: Request, key_id: str, who: Identity = Depends(identify)) -> MispJSON:
    """A blind-index key envelope."""
    return MispJSON({"IndexKey": protected.view_index_key(platform_of(request), who, key_id)})
