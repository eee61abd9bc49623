"""MISP's ``DecayingModelController``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, misp_success, platform_of
from threatmesh.services.library import decaying_models
from threatmesh.services.platform import Identity

router = APIRouter(tags=["decayingModel"])


@router.post("/decayingModel/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the default decaying models (new ones, and higher versions)."""
    message = decaying_models.update(platform_of(request), who)
    return misp_success(message, "/decayingModel/update")


@router.get("/decayingModel")
@router.get("/decayingModel/index")
def index(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The decaying models the caller may see."""
    return MispJSON(decaying_models.index(platform_of(request), who))


@router.get("/decayingModel/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A decaying model (by id or uuid)."""
    return MispJSON(decaying_models.view(platform_of(request), who, ref))


def _switched(request: Request, who: Identity, ref: str, *, enabled: bool) -> MispJSON:
    model = decaying_models.set_enabled(platform_of(request), who, ref, enabled=enabled)
    found = model["DecayingModel"]["id"]
    action = "enable" if enabled else "disable"
    message = f"Decaying model {action}d"
    return MispJSON(
        {
            "saved": True,
            "success": True,
            "name": message,
            "message": message,
            "url": f"/decayingModel/{action}/{found}",
            "data": model,
            "id": found,
        }
    )


@router.post("/decayingModel/enable/{ref}")
def enable(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Enable a decaying model."""
    return _switched(request, who, ref, enabled=True)


@router.post("/decayingModel/disable/{ref}")
def disable(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Disable a decaying model."""
    return _switched(request, who, ref, enabled=False)
