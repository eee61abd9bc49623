"""MISP's ``EventsController::freeTextImport``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, named_params, platform_of
from threatmesh.services.library import freetext
from threatmesh.services.platform import Identity

router = APIRouter(tags=["events"])


@router.post("/events/freeTextImport/{ref}")
@router.post("/events/freeTextImport/{ref}/{named:path}")
def free_text_import(
    request: Request,
    ref: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Find attributes in ``value`` (free text) and add them to the event, or only
    describe them (``returnMetaAttributes``)."""
    params = named_params(named)
    return MispJSON(freetext.free_text_import(platform_of(request), who, ref, body, params))
