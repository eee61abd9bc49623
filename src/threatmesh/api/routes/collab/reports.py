"""``eventReports/*``: MISP's ``EventReportsController``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import (
    MispJSON,
    hard_delete,
    identify,
    json_body,
    misp_success,
    named_params,
    platform_of,
)
from threatmesh.services.collab import reports
from threatmesh.services.platform import Identity

router = APIRouter(tags=["event reports"])


@router.post("/eventReports/add/{event_ref}")
def add(
    request: Request,
    event_ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Add a report (``name``, markdown ``content``, ``distribution``) to an event."""
    return MispJSON(reports.add(platform_of(request), who, event_ref, body))


@router.get("/eventReports/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One report, by id or UUID."""
    return MispJSON(reports.view(platform_of(request), who, ref))


@router.post("/eventReports/edit/{ref}")
def edit(
    request: Request,
    ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Change a report's name, content or distribution."""
    return MispJSON(reports.edit(platform_of(request), who, ref, body))


@router.post("/eventReports/delete/{ref}")
@router.post("/eventReports/delete/{ref}/{hard}")
def delete(
    request: Request,
    ref: str,
    hard: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Soft-delete a report (``/1`` or ``{"hard": 1}``: remove it)."""
    is_hard = hard_delete(hard, body)
    reports.delete(platform_of(request), who, ref, hard=is_hard)
    message = f"Event Report {ref} {'hard' if is_hard else 'soft'} deleted"
    return misp_success(message, f"/eventReports/delete/{ref}", id=ref)


@router.get("/eventReports/index")
@router.get("/eventReports/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """The reports the caller sees (``event_id:``, ``deleted:1``)."""
    return MispJSON(reports.index(platform_of(request), who, named_params(named)))
