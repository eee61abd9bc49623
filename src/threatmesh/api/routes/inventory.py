"""``/inventory/*``: the caller's organisation's asset inventory (hosts, products as
CPE 2.3 names, exposure)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.adaptive import inventory as svc
from threatmesh.services.platform import Identity

router = APIRouter(prefix="/inventory", tags=["inventory"])


@router.get("/hosts")
def list_hosts(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The organisation's hosts with their products and exposure."""
    return MispJSON(svc.list_hosts(platform_of(request), who))


@router.post("/hosts")
def add_host(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add a host: ``{"name", "exposure": "internet"|"internal"|"isolated",
    "software": ["cpe:2.3:..."]}``."""
    return MispJSON(svc.add_host(platform_of(request), who, body))


@router.post("/import")
def import_hosts(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add or replace every host of ``{"hosts": [...]}``, all or nothing."""
    return MispJSON(svc.import_hosts(platform_of(request), who, body))


@router.get("/hosts/{host}")
def get_host(request: Request, host: str, who: Identity = Depends(identify)) -> MispJSON:
    """One host of the organisation (404 "Invalid host." otherwise)."""
    return MispJSON(svc.get_host(platform_of(request), who, host))


@router.put("/hosts/{host}")
@router.post("/hosts/{host}")
def edit_host(
    request: Request, host: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a host's exposure or products (fields left out keep their value)."""
    return MispJSON(svc.edit_host(platform_of(request), who, host, body))


@router.delete("/hosts/{host}")
def delete_host(request: Request, host: str, who: Identity = Depends(identify)) -> MispJSON:
    """Remove a host from the inventory."""
    svc.delete_host(platform_of(request), who, host)
    return misp_success("Host deleted.", request.url.path)
