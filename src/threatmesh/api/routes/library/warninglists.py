"""MISP's ``WarninglistsController``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import (
    MispJSON,
    identify,
    json_body,
    misp_success,
    named_params,
    platform_of,
)
from threatmesh.services.library import warninglists
from threatmesh.services.platform import Identity

router = APIRouter(tags=["warninglists"])


@router.post("/warninglists/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the installed warninglists (new ones, and higher versions) into the database."""
    message = warninglists.update(platform_of(request), who)
    return misp_success(message, "/warninglists/update")


@router.get("/warninglists")
@router.get("/warninglists/index")
@router.get("/warninglists/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Every warninglist (``value:``, ``enabled:`` filter)."""
    return MispJSON(warninglists.index(platform_of(request), who, named_params(named)))


@router.get("/warninglists/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A warninglist by id, with its entries and attribute types."""
    return MispJSON(warninglists.view(platform_of(request), who, ref))


@router.post("/warninglists/toggleEnable")
def toggle(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Enable, disable (``enabled``) or toggle the lists named by ``id`` or ``name``."""
    return MispJSON(warninglists.toggle(platform_of(request), who, body))


@router.post("/warninglists/checkValue")
def check_value(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Which enabled lists each value of the body (a list of strings) hits."""
    return MispJSON(warninglists.check_values(platform_of(request), who, body))
