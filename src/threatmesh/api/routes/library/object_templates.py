"""MISP's ``ObjectTemplatesController``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, named_params, platform_of
from threatmesh.services.library import object_templates
from threatmesh.services.platform import Identity

router = APIRouter(tags=["objectTemplates"])


@router.post("/objectTemplates/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the installed object templates (new ones, and higher versions); the index."""
    platform = platform_of(request)
    object_templates.update(platform, who)
    return MispJSON(object_templates.index(platform, who, {}))


@router.get("/objectTemplates")
@router.get("/objectTemplates/index")
@router.get("/objectTemplates/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """The active object templates (``searchall:`` filters)."""
    return MispJSON(object_templates.index(platform_of(request), who, named_params(named)))


@router.get("/objectTemplates/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """An object template (by id or uuid) and its elements."""
    return MispJSON(object_templates.view(platform_of(request), who, ref))


@router.get("/objectTemplates/getRaw/{ref}")
def get_raw(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """The definition of a template (by uuid or name) as shipped."""
    return MispJSON(object_templates.raw(platform_of(request), who, ref))
