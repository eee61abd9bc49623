"""UMA 2.0: discovery, the token endpoint, resources, policies, and the protected
event path (``/uma/events/{uuid}``, events/view output behind an RPT)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response

from threatmesh.api.http import MispJSON, identify, json_body, platform_of
from threatmesh.api.openapi import DESCRIPTIONS, ERROR_REF, errors
from threatmesh.model.errors import InvalidInput
from threatmesh.services.platform import Identity
from threatmesh.services.uma import (
    grant as uma_grant,
)
from threatmesh.services.uma import (
    policies as uma_policies,
)
from threatmesh.services.uma import resources as svc
from threatmesh.services.uma import (
    sightings as uma_sightings,
)

router = APIRouter(tags=["uma"])
_MAX_FORM = 64 * 1024  # a ticket, claims and an RPT fit many times over

#: OAuth's error body (RFC 6749, 5.2), which the token endpoint answers besides MISP's.
_OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_GRANT_ERROR: dict[str, Any] = {
    "content": {"application/json": {"schema": {"anyOf": [{"$ref": ERROR_REF}, _OAUTH_ERROR]}}}
}
_TOKEN_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
#: The protected event paths take an RPT, and challenge without one.
_RPT: dict[str, Any] = {"security": [{"UmaRpt": []}]}
_CHALLENGE: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No RPT granting this: a permission ticket to get one.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    }
}


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _challenge(request: Request, exc: svc.UmaChallenge) -> MispJSON:
    body = {"name": exc.name, "message": exc.message, "url": request.url.path}
    return MispJSON(body, status_code=401, headers={"WWW-Authenticate": exc.header()})


@router.get("/.well-known/uma2-configuration")
def configuration(request: Request) -> MispJSON:
    """The authorization server's metadata (UMA 2.0 Grant, section 2)."""
    return MispJSON(svc.discovery(platform_of(request)))


@router.get("/uma/jwks")
def jwks(request: Request) -> MispJSON:
    """The public keys that sign RPTs."""
    return MispJSON(svc.jwks(platform_of(request)))


async def _form(request: Request) -> dict[str, str]:
    """The token request's parameters: a form (as OAuth sends them) or a JSON object."""
    if "json" in request.headers.get("content-type", ""):
        body = await json_body(request)
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    if len(await request.body()) > _MAX_FORM:
        raise InvalidInput(f"The token request is over {_MAX_FORM} bytes.")
    raw = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


@router.post(
    "/uma/token",
    openapi_extra=_TOKEN_FORM,
    responses={
        400: {"description": DESCRIPTIONS[400], **_GRANT_ERROR},
        403: {"description": "The policies refuse, or need more claims.", **_GRANT_ERROR},
        **errors(413),
    },
)
def token(
    request: Request, who: Identity = Depends(identify), form: dict[str, str] = Depends(_form)
) -> MispJSON:
    """The UMA grant: a permission ticket (and claims) for an RPT. Synchronous, so the
    grant's write transaction (which may wait for SQLite's write lock) runs in a worker
    thread, never on the event loop."""
    try:
        answer = uma_grant.token(platform_of(request), who, form)
    except uma_grant.GrantError as exc:
        return MispJSON(exc.body(), status_code=exc.status, headers={"Cache-Control": "no-store"})
    return MispJSON(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/uma/events/{uuid}", openapi_extra=_RPT, responses=_CHALLENGE)
def event(request: Request, uuid: str) -> MispJSON:
    """A protected event: 401 with a permission ticket unless the RPT grants ``read``."""
    try:
        found = svc.read_event(platform_of(request), _bearer(request), uuid)
    except svc.UmaChallenge as exc:
        return _challenge(request, exc)
    return MispJSON({"Event": found})


@router.post("/uma/events/{uuid}/sightings", openapi_extra=_RPT, responses=_CHALLENGE)
def sighting(request: Request, uuid: str, body: Any = Depends(json_body)) -> MispJSON:
    """Report a sighting of one of the event's attributes (scope ``sighting:add``)."""
    try:
        found = uma_sightings.add_sighting(platform_of(request), _bearer(request), uuid, body)
    except svc.UmaChallenge as exc:
        return _challenge(request, exc)
    return MispJSON({"Sighting": found})


@router.post("/uma/permission", status_code=201)
def permission(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Register a permission request on one of the caller's resources; answer a ticket."""
    ticket = svc.request_permission(platform_of(request), who, body)
    return MispJSON({"ticket": ticket}, status_code=201)


@router.post("/uma/resources", status_code=201)
def add_resource(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Register an event, a tag or a sharing group of the caller's organisation."""
    return MispJSON(svc.add_resource(platform_of(request), who, body), status_code=201)


@router.get("/uma/resources")
def resources(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The caller's organisation's resources."""
    return MispJSON(svc.list_resources(platform_of(request), who))


@router.post("/uma/policies", status_code=201)
def add_policy(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create a policy on a resource of the caller's organisation."""
    return MispJSON(uma_policies.add_policy(platform_of(request), who, body), status_code=201)


@router.get("/uma/policies")
def policies(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The caller's organisation's policies."""
    return MispJSON(uma_policies.list_policies(platform_of(request), who))


@router.delete("/uma/policies/{uuid}", status_code=204)
def delete_policy(request: Request, uuid: str, who: Identity = Depends(identify)) -> Response:
    """Remove a policy."""
    uma_policies.delete_policy(platform_of(request), who, uuid)
    return Response(status_code=204)
