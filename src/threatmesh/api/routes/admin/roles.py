"""Roles (MISP's ``admin/roles/add|edit|delete|set_default``; site admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.admin import roles
from threatmesh.services.platform import Identity

router = APIRouter(tags=["admin"])


@router.post("/admin/roles/add")
def add_role(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create a role: ``{"Role": {"name", "perm_*": bool...}}``."""
    return MispJSON(roles.add_role(platform_of(request), who, body))


@router.post("/admin/roles/edit/{ref}")
@router.put("/admin/roles/edit/{ref}")
def edit_role(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a role's name, flags or limits."""
    return MispJSON(roles.edit_role(platform_of(request), who, ref, body))


@router.post("/admin/roles/delete/{ref}")
@router.delete("/admin/roles/delete/{ref}")
def delete_role(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a role no user has."""
    roles.delete_role(platform_of(request), who, ref)
    return misp_success("Role deleted.", f"/admin/roles/delete/{ref}", id=ref)


@router.post("/admin/roles/set_default/{ref}")
def set_default(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Make a role the one new users get (``0``: none)."""
    is_set = roles.set_default(platform_of(request), who, ref)
    message = "Default role set." if is_set else "Default role unset."
    return misp_success(message, f"/admin/roles/set_default/{ref}", id=ref)
