"""MISP's ``GalaxiesController``."""

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
from threatmesh.services.library import galaxies
from threatmesh.services.platform import Identity

router = APIRouter(tags=["galaxies"])


@router.post("/galaxies/update")
def update(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Load the installed galaxies and their default clusters into the database."""
    return misp_success(galaxies.update(platform_of(request), who), "/galaxies/update")


@router.get("/galaxies")
@router.get("/galaxies/index")
@router.get("/galaxies/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Every galaxy (``value:`` and ``enabled:`` filter)."""
    return MispJSON(galaxies.index(platform_of(request), who, named_params(named)))


@router.post("/galaxies")
@router.post("/galaxies/index")
def search(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """The galaxies whose name, namespace, description or uuid hold ``value``."""
    filters = body if isinstance(body, dict) else {}
    return MispJSON(galaxies.index(platform_of(request), who, filters))


@router.get("/galaxies/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A galaxy (by id or uuid) with its clusters."""
    return MispJSON(galaxies.view(platform_of(request), who, ref))


@router.post("/galaxies/attachCluster/{target}/{kind}")
@router.post("/galaxies/attachCluster/{target}/{kind}/{named:path}")
def attach_cluster(
    request: Request,
    target: str,
    kind: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Attach a cluster (``{"Galaxy": {"target_id"}}``) to an event or attribute by its
    tag (``local:1`` for a local tag)."""
    local = named_params(named).get("local", "0") not in ("", "0", "false")
    message = galaxies.attach_cluster(platform_of(request), who, target, kind, body, local=local)
    return MispJSON({"saved": True, "success": message, "check_publish": True})
