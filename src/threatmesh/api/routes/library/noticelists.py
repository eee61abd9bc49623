"""MISP's ``NoticelistsController``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, misp_success, platform_of
from threatmesh.services.library import noticelists
from threatmesh.services.platform import Identity

router = APIRouter(tags=["noticelists"])


@router.post("/noticelists/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the vendored noticelists (new ones, and higher versions) into the database."""
    message = noticelists.update(platform_of(request), who)
    return misp_success(message, "/noticelists/update")


@router.get("/noticelists")
@router.get("/noticelists/index")
def index(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Every noticelist."""
    return MispJSON(noticelists.index(platform_of(request), who))


@router.get("/noticelists/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A noticelist (by id or name) and its entries."""
    return MispJSON(noticelists.view(platform_of(request), who, ref))


@router.post("/noticelists/enableNoticelist/{ref}")
@router.post("/noticelists/enableNoticelist/{ref}/{flag}")
def enable(
    request: Request, ref: str, flag: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Enable (any flag but ``0``/``false``) or disable (no flag) a noticelist; its view."""
    return MispJSON(noticelists.enable_and_view(platform_of(request), who, ref, flag))


@router.post("/noticelists/toggleEnable/{ref}")
def toggle(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Switch a noticelist to the other state."""
    row = noticelists.set_enabled(platform_of(request), who, ref, None)
    message = "Noticelist enabled." if row["enabled"] else "Noticelist disabled."
    return misp_success(message, f"/noticelists/toggleEnable/{row['id']}", id=row["id"])
