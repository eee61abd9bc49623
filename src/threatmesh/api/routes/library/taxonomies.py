"""MISP's ``TaxonomiesController``."""

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
from threatmesh.services.library import taxonomies
from threatmesh.services.platform import Identity

router = APIRouter(tags=["taxonomies"])


@router.post("/taxonomies/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the installed taxonomies (new ones, and higher versions) into the database."""
    message = taxonomies.update(platform_of(request), who)
    return misp_success(message, "/taxonomies/update")


@router.get("/taxonomies")
@router.get("/taxonomies/index")
@router.get("/taxonomies/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Every taxonomy with its tag counts (``enabled:1`` for the enabled ones)."""
    return MispJSON(taxonomies.index(platform_of(request), who, named_params(named)))


@router.get("/taxonomies/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A taxonomy (by id or namespace) and its tags."""
    return MispJSON(taxonomies.view(platform_of(request), who, ref))


@router.post("/taxonomies/enable/{ref}")
def enable(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Enable a taxonomy."""
    found = taxonomies.set_enabled(platform_of(request), who, ref, enabled=True)
    return misp_success("Taxonomy enabled", f"/taxonomies/enable/{found}", id=found)


@router.post("/taxonomies/disable/{ref}")
def disable(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Disable a taxonomy and hide its tags."""
    found = taxonomies.set_enabled(platform_of(request), who, ref, enabled=False)
    return misp_success("Taxonomy disabled", f"/taxonomies/disable/{found}", id=found)


@router.post("/taxonomies/addTag/{ref}")
def add_tag(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Create (or show again) every tag of a taxonomy."""
    found = taxonomies.add_tags(platform_of(request), who, ref)
    return misp_success("The tag(s) has been saved.", f"/taxonomies/addTag/{found}", id=found)


@router.post("/taxonomies/disableTag/{ref}")
def disable_tag(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Hide every tag of a taxonomy."""
    found = taxonomies.disable_tags(platform_of(request), who, ref)
    return misp_success("The tag(s) has been hidden.", f"/taxonomies/disableTag/{found}", id=found)


@router.post("/taxonomies/toggleRequired/{ref}")
def toggle_required(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Set whether events must carry a tag of this taxonomy (``{"Taxonomy": {"required"}}``)."""
    found = taxonomies.set_required(platform_of(request), who, ref, body)
    return misp_success(
        "Taxonomy toggleRequireded", f"/taxonomies/toggleRequired/{found}", id=found
    )
