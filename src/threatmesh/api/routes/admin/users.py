"""Changing users, registrations and user settings (MISP's ``admin/users/edit``,
``users/edit``, ``users/change_pw``, ``users/register``, ``users/registrations``,
``users/acceptRegistrations``, ``users/discardRegistrations``, ``userSettings/*``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.admin import registrations, user_edits, user_settings
from threatmesh.services.platform import Identity

router = APIRouter(tags=["admin"])


@router.post("/admin/users/edit/{ref}")
@router.put("/admin/users/edit/{ref}")
def admin_edit(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a user (site admins; org admins for the users of their organisation whose
    role is not above theirs, with such roles only)."""
    return MispJSON(user_edits.admin_edit(platform_of(request), who, ref, body))


@router.post("/users/edit")
@router.post("/users/edit/{ref}")
@router.put("/users/edit/{ref}")
def self_edit(
    request: Request,
    ref: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Change one's own profile (email, alerts, keys, NIDS SID, password)."""
    return MispJSON(user_edits.self_edit(platform_of(request), who, ref, body))


@router.post("/users/change_pw")
def change_pw(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change one's own password: ``{"password": ...}``."""
    user_edits.change_password(platform_of(request), who, body)
    return misp_success("Password Changed.", "/users/change_pw")


#: 405 while self-registration is off (MISP's answer).
_CLOSED: dict[int | str, dict[str, Any]] = {
    405: {"description": "Self-registration is not enabled on this instance."}
}


@router.post("/users/register", responses=_CLOSED)
def register(request: Request, body: Any = Depends(json_body)) -> MispJSON:
    """Ask for an account (no API key; while ``Security.allow_self_registration`` is on)."""
    ip = request.client.host if request.client else ""
    agent = request.headers.get("user-agent", "")
    registrations.register(platform_of(request), body, ip=ip, user_agent=agent)
    return misp_success(
        "Request sent. The administrators of this community have been notified.",
        "/users/register",
    )


@router.get("/users/registrations")
@router.get("/users/registrations/index")
def list_registrations(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Registration requests waiting for a site admin."""
    return MispJSON(registrations.list_registrations(platform_of(request), who))


@router.post("/users/acceptRegistrations/{ref}")
def accept_registration(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create the user a registration asks for, in ``{"User": {"org_id", "role_id"}}``."""
    added = registrations.accept(platform_of(request), who, ref, body)
    return misp_success(f"Added {added} user(s).", f"/users/acceptRegistrations/{ref}")


@router.post("/users/discardRegistrations/{ref}")
@router.delete("/users/discardRegistrations/{ref}")
def discard_registration(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Drop a registration request."""
    count = registrations.discard(platform_of(request), who, ref)
    return misp_success(f"{count} registration(s) discarded.", f"/users/discardRegistrations/{ref}")


@router.post("/userSettings/setSetting")
@router.post("/user_settings/setSetting")
def set_user_setting(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Set a user setting: ``{"setting", "value"[, "user_id"]}``."""
    return MispJSON(user_settings.set_setting(platform_of(request), who, body))


@router.post("/userSettings/getSetting")
@router.post("/user_settings/getSetting")
def get_user_setting(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Read a user setting: ``{"setting"[, "user_id"]}``."""
    return MispJSON(user_settings.get_setting(platform_of(request), who, body))


@router.get("/userSettings/index")
@router.get("/user_settings/index")
def list_user_settings(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The caller's settings."""
    return MispJSON(user_settings.list_settings(platform_of(request), who))


@router.post("/userSettings/delete")
@router.post("/user_settings/delete")
def delete_user_setting(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Delete a user setting: ``{"setting"[, "user_id"]}``."""
    user_settings.delete_setting(platform_of(request), who, body)
    return misp_success("Setting deleted.", "/userSettings/delete")
