"""``analyst_data/*``: MISP's ``AnalystDataController`` (notes, opinions,
relationships)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.collab import analyst_data
from threatmesh.services.platform import Identity

router = APIRouter(tags=["analyst data"])


@router.post("/analyst_data/add/{data_kind}/{object_uuid}/{object_type}")
def add(
    request: Request,
    data_kind: str,
    object_uuid: str,
    object_type: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Attach a note, opinion or relationship to anything by UUID."""
    platform = platform_of(request)
    return MispJSON(analyst_data.add(platform, who, data_kind, object_uuid, object_type, body))


@router.get("/analyst_data/view/{kind_or_all}/{ref}")
def view(
    request: Request, kind_or_all: str, ref: str, who: Identity = Depends(identify)
) -> MispJSON:
    """One record with what is attached to it (``all``: of whatever kind)."""
    return MispJSON(analyst_data.view(platform_of(request), who, kind_or_all, ref))


@router.post("/analyst_data/edit/{kind_or_all}/{ref}")
def edit(
    request: Request,
    kind_or_all: str,
    ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Change a record the caller's organisation created."""
    return MispJSON(analyst_data.edit(platform_of(request), who, kind_or_all, ref, body))


@router.post("/analyst_data/delete/{kind_or_all}/{ref}")
@router.delete("/analyst_data/delete/{kind_or_all}/{ref}")
def delete(
    request: Request, kind_or_all: str, ref: str, who: Identity = Depends(identify)
) -> MispJSON:
    """Remove a record (what is attached to it stays)."""
    kind = analyst_data.delete(platform_of(request), who, kind_or_all, ref)
    return misp_success(f"{kind} deleted.", f"/analyst_data/delete/{kind}/{ref}", id=ref)
