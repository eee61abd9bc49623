"""Server settings and MISP's diagnostics (``servers/serverSettings``,
``servers/getSetting``, ``servers/serverSettingsEdit``, ``servers/dbSchemaDiagnostic``,
``events/queryACL/findMissingFunctionNames``; site admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.admin import diagnostics, settings
from threatmesh.services.platform import Identity

router = APIRouter(tags=["admin"])


@router.get("/servers/serverSettings")
@router.get("/servers/serverSettings/{tab}")
def server_settings(
    request: Request, tab: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Every setting this instance knows, with its value (``finalSettings``)."""
    return MispJSON(settings.server_settings(platform_of(request), who))


@router.get("/servers/getSetting/{name}")
def get_setting(request: Request, name: str, who: Identity = Depends(identify)) -> MispJSON:
    """One setting and its value."""
    return MispJSON(settings.get_setting(platform_of(request), who, name))


@router.post("/servers/serverSettingsEdit/{name}")
@router.post("/servers/serverSettingsEdit/{name}/{named:path}")
def edit_setting(
    request: Request,
    name: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Change a setting: ``{"value": ..., "force": bool}``."""
    settings.edit_setting(platform_of(request), who, name, body)
    return misp_success("Field updated", f"/servers/serverSettingsEdit/{name}")


@router.get("/servers/dbSchemaDiagnostic")
def db_schema(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Whether the database is at the schema this code expects."""
    return MispJSON(diagnostics.db_schema(platform_of(request), who))


@router.get("/events/queryACL/findMissingFunctionNames")
def missing_acl(who: Identity = Depends(identify)) -> MispJSON:
    """Actions without an access rule (none)."""
    return MispJSON(diagnostics.missing_acl_functions(who))
