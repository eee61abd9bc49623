"""``admin/logs/index``: MISP's ``LogsController`` (search the log of user actions)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, named_params, platform_of
from threatmesh.services.admin import logs
from threatmesh.services.platform import Identity

router = APIRouter(tags=["admin"])


@router.get("/admin/logs/index")
@router.get("/admin/logs/index/{named:path}")
@router.post("/admin/logs/index")
@router.get("/logs/index")
@router.post("/logs/index")
def search_logs(
    request: Request,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Entries matching ``id``, ``title``, ``model``, ``model_id``, ``action``,
    ``user_id``, ``change``, ``email``, ``org``, ``description``, ``ip`` (a value or a
    list; ``%`` at either end: a substring), ``created`` (from, or [from, to]: a
    timestamp, ``1d``, a date), ``limit`` and ``page``; what the caller may read."""
    filters = dict(named_params(named))
    if isinstance(body, dict):
        filters |= body.get("Log", body) if isinstance(body.get("Log"), dict) else body
    return MispJSON(logs.search(platform_of(request), who, filters))
