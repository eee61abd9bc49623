"""``eventDelegations/*``: MISP's ``EventDelegationsController`` (an organisation hands
one of its events over to another)."""

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
from threatmesh.api.openapi import errors
from threatmesh.services.collab import delegations
from threatmesh.services.platform import Identity

router = APIRouter(tags=["event delegations"])
#: MISP's 405 "You are not authorised to do that." (a request or event the caller may not
#: act on, or an event that cannot be delegated).
_REFUSED = errors(405)


@router.get("/eventDelegations")
@router.get("/eventDelegations/index")
@router.get("/eventDelegations/index/{named:path}")
@router.post("/eventDelegations/index")
def index(
    request: Request,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Requests the caller's organisation received (``context:pending``, the default)
    or made (``context:issued``); ``value:`` searches message, event info and
    organisation names."""
    params = named_params(named)
    data = body if isinstance(body, dict) else {}
    context = str(data.get("context") or params.get("context") or "pending")
    value = str(data.get("value") or params.get("value") or "")
    return MispJSON(delegations.index(platform_of(request), who, context, value))


@router.get("/eventDelegations/view/{ref}", responses=_REFUSED)
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One request, to either of its organisations."""
    return MispJSON(delegations.view(platform_of(request), who, ref))


@router.post("/eventDelegations/delegateEvent/{ref}", responses=_REFUSED)
def delegate_event(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Ask ``{"org_id", "distribution" (-1: the recipient decides), "sharing_group_id",
    "message"}`` to take over event ``ref`` (id or UUID)."""
    return MispJSON(delegations.delegate(platform_of(request), who, ref, body))


@router.post("/eventDelegations/acceptDelegation/{ref}", responses=_REFUSED)
def accept(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """The recipient takes the event over."""
    delegations.accept(platform_of(request), who, ref)
    return misp_success("Event ownership transferred.", request.url.path, id=ref)


@router.post("/eventDelegations/deleteDelegation/{ref}", responses=_REFUSED)
def discard(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Either organisation withdraws or declines the request."""
    delegations.discard(platform_of(request), who, ref)
    return misp_success("Delegation request deleted.", request.url.path, id=ref)
