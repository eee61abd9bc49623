"""Every error leaves as MISP's ``{"name", "message", "url"}`` with the right status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy import exc as db_errors
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


def _db_reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return "; ".join(line.strip() for line in str(orig).splitlines()[:2] if line.strip())


#: A unique key refused a write the services did not explain (they name the request's
#: element for UUIDs, ``services.collisions``). The database's text is not passed on:
#: it names tables and constraints, and whose data holds the value is not the
#: client's business.
TAKEN = "Already exists: a UUID or name in the request is already used."


async def _storage(request: Request, exc: Exception) -> MispJSON:
    """What the database refuses despite validation: a value it cannot store (out of
    range, NUL byte, too long) is a 400, a unique key already taken (a UUID used
    elsewhere) a 409; any other database error stays an internal one."""
    reason = _db_reason(exc)
    if isinstance(exc, OverflowError | db_errors.DataError):
        message = f"A value in the request cannot be stored: {reason}"
        return MispJSON(_body("Invalid input", message, request), status_code=400)
    orig = getattr(exc, "orig", None)
    # 23505: a unique key; 23P01: an exclusion constraint (attribute UUIDs on PostgreSQL).
    taken = getattr(orig, "sqlstate", None) in ("23505", "23P01")
    if taken or "UNIQUE constraint failed" in reason:
        log.info("unique key refused a write on %s: %s", request.url.path, reason)
        return MispJSON(_body("Conflict", TAKEN, request), status_code=409)
    return await _unexpected(request, exc)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ThreatmeshError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    for kind in (OverflowError, db_errors.DataError, db_errors.IntegrityError):
        app.add_exception_handler(kind, _storage)
    app.add_exception_handler(Exception, _unexpected)
