"""Every error leaves as MISP's ``{"name", "message", "url"}`` with the right status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException

from threatmesh.api.http import MispJSON
from threatmesh.model.errors import ThreatmeshError

log = logging.getLogger("threatmesh.api")


def _body(name: str, message: str, request: Request) -> dict[str, str]:
    return {"name": name, "message": message, "url": request.url.path}


async def _domain(request: Request, exc: Exception) -> MispJSON:
    assert isinstance(exc, ThreatmeshError)
    if exc.status >= 500:
        log.error("internal error on %s: %s", request.url.path, exc)
    return MispJSON(
        _body(exc.message if exc.status == 404 else exc.name, exc.message, request),
        status_code=exc.status,
    )


def allowed_methods(request: Request) -> str:
    """``Allow`` for a 405: every method some route serves at the requested path. The
    router names only those of the first route whose path matched, and a path served
    by several functions (``events/view``: GET, POST, HEAD) has a route per method."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root) and path != root:
        path = path[len(root) :]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.path_regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http(request: Request, exc: Exception) -> MispJSON:
    assert isinstance(exc, HTTPException)
    message = (
        "The requested address was not found on this server."
        if exc.status_code == 404
        else str(exc.detail)
    )
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return MispJSON(_body(message, message, request), status_code=exc.status_code, headers=headers)


async def _validation(request: Request, exc: Exception) -> MispJSON:
    assert isinstance(exc, RequestValidationError)
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
    return MispJSON(
        _body("Invalid input", "; ".join(parts) or "invalid request", request), status_code=400
    )


async def _unexpected(request: Request, exc: Exception) -> MispJSON:
    log.exception("unexpected error on %s", request.url.path)
    return MispJSON(
        _body("Internal error", "An internal error occurred; it has been logged.", request),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ThreatmeshError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
