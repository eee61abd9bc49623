"""Organisations, users, API keys, roles and sharing groups (MISP's
``OrganisationsController``, ``UsersController``, ``SharingGroupsController``...).

The router here includes the routers of the other modules of this folder: user
editing and registrations (:mod:`.users`), roles (:mod:`.roles`), server and user
settings with MISP's diagnostics (:mod:`.settings`), tags (:mod:`.tags`) and
statistics (:mod:`.statistics`), and MISP's log of user actions (:mod:`.logs`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from threatmesh.api.http import (
    MispJSON,
    identify,
    json_body,
    misp_success,
    named_params,
    platform_of,
)
from threatmesh.api.routes.admin import logs as _logs
from threatmesh.api.routes.admin import roles as _roles
from threatmesh.api.routes.admin import settings as _settings
from threatmesh.api.routes.admin import tags as _tags
from threatmesh.api.routes.admin import users as _users
from threatmesh.services.admin import organisations, roles, users
from threatmesh.services.admin import sharing_groups as sgs
from threatmesh.services.platform import Identity

router = APIRouter(tags=["admin"])


@router.post("/admin/organisations/add")
def add_org(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create an organisation (site admin)."""
    return MispJSON({"Organisation": organisations.add_org(platform_of(request), who, body)})


@router.post("/admin/organisations/edit/{ref}")
def edit_org(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change an organisation (site admin)."""
    return MispJSON({"Organisation": organisations.edit_org(platform_of(request), who, ref, body)})


@router.post("/admin/organisations/delete/{ref}")
@router.delete("/admin/organisations/delete/{ref}")
def delete_org(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete an organisation nothing relies on (no users, events, owned sharing groups...)."""
    organisations.delete_org(platform_of(request), who, ref)
    return misp_success("Organisation deleted", f"/admin/organisations/delete/{ref}")


@router.get("/organisations/view/{ref}")
def view_org(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One organisation."""
    return MispJSON({"Organisation": organisations.view_org(platform_of(request), who, ref)})


@router.get("/organisations/index")
@router.get("/organisations/index/{named:path}")
def list_orgs(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Organisations (``scope:local``, ``external`` or ``all``; ``searchall:`` matches
    name, description, nationality, sector, type, contacts or UUID)."""
    params = named_params(named)
    scope = params.get("scope", "local")
    search = params.get("searchall") or params.get("all") or params.get("quickFilter")
    return MispJSON(organisations.list_orgs(platform_of(request), who, scope, search))


@router.post("/admin/users/add")
def add_user(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create a user; the answer carries its API key, which is never shown again."""
    return MispJSON(users.add_user(platform_of(request), who, body))


@router.get("/users/view/{ref}")
@router.get("/admin/users/view/{ref}")
def view_user(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A user with its role (``me`` for the caller)."""
    return MispJSON(users.view_user(platform_of(request), who, ref))


@router.get("/admin/users/index")
@router.get("/admin/users/index/{named:path}")
def list_users(
    request: Request, who: Identity = Depends(identify), named: str | None = None
) -> MispJSON:
    """Users the caller administers, with their role and organisation (``value:``
    searches email, organisation and role; ``searchorg:`` keeps some organisations)."""
    return MispJSON(users.list_users(platform_of(request), who, named_params(named)))


@router.post("/admin/users/delete/{ref}")
@router.delete("/admin/users/delete/{ref}")
def delete_user(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a user (site admins; org admins for users of their organisation below them)."""
    users.delete_user(platform_of(request), who, ref)
    return misp_success("User deleted.", f"/admin/users/delete/{ref}")


@router.post("/auth_keys/add/{ref}")
@router.post("/authKeys/add/{ref}")
def add_key(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A new API key for a user (oneself, or a user one may act as); shown only here."""
    return MispJSON(users.new_key(platform_of(request), who, ref))


@router.get("/roles/index")
@router.get("/roles")
def list_roles(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The roles and their permission flags."""
    return MispJSON(roles.list_roles(platform_of(request)))


@router.post("/sharingGroups/add")
@router.post("/sharing_groups/add")
def add_sg(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create a sharing group owned by the caller's organisation."""
    return MispJSON(sgs.add(platform_of(request), who, body))


@router.get("/sharingGroups/index")
@router.get("/sharing_groups/index")
def list_sgs(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Sharing groups the caller may see."""
    return MispJSON(sgs.index(platform_of(request), who))


@router.get("/sharing_groups/view/{ref}")
@router.get("/sharingGroups/view/{ref}")
def view_sg(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One sharing group with its members."""
    return MispJSON(sgs.get(platform_of(request), who, ref))


@router.head("/sharing_groups/view/{ref}")
@router.head("/sharingGroups/view/{ref}")
def sg_exists(request: Request, ref: str, who: Identity = Depends(identify)) -> Response:
    """200 if the sharing group exists and the caller may see it, else 404."""
    return Response(status_code=200 if sgs.exists(platform_of(request), who, ref) else 404)


@router.post("/sharing_groups/edit/{ref}")
@router.post("/sharingGroups/edit/{ref}")
def edit_sg(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a sharing group's name, releasability, description, active or roaming."""
    return MispJSON(sgs.edit(platform_of(request), who, ref, body))


@router.post("/sharingGroups/delete/{ref}")
@router.delete("/sharingGroups/delete/{ref}")
@router.post("/sharing_groups/delete/{ref}")
@router.delete("/sharing_groups/delete/{ref}")
def delete_sg(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a sharing group."""
    sgs.delete(platform_of(request), who, ref)
    return misp_success("SharingGroup deleted", f"/sharingGroups/delete/{ref}")


def _member(request: Request, who: Identity, body: Any, kind: str, add: bool) -> MispJSON:
    sgs.set_member(platform_of(request), who, body, kind=kind, add=add)
    verb = "added to" if add else "removed from"
    noun = {"org": "Organisation", "server": "Server"}[kind]  # MISP's __sendQuickSaveResponse
    return misp_success(f"{noun} {verb} the sharing group.", request.url.path)


@router.post("/sharingGroups/addOrg")
def add_sg_org(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add an organisation to a sharing group."""
    return _member(request, who, body, "org", True)


@router.post("/sharingGroups/removeOrg")
def remove_sg_org(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Remove an organisation from a sharing group."""
    return _member(request, who, body, "org", False)


@router.post("/sharingGroups/addServer")
def add_sg_server(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add a server (0: this instance) to a sharing group."""
    return _member(request, who, body, "server", True)


@router.post("/sharingGroups/removeServer")
def remove_sg_server(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Remove a server from a sharing group."""
    return _member(request, who, body, "server", False)


# After this module's routes: the routers of the other modules of the folder.
for _module in (_users, _roles, _settings, _tags, _logs):
    router.include_router(_module.router)
