"""HTTP helpers: orjson responses, request bodies, CakePHP named parameters, auth."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from threatmesh.formats.fields import as_bool, nul_path
from threatmesh.model.errors import InvalidInput, PayloadTooLarge, Unauthenticated
from threatmesh.services.platform import Identity, Platform

AUTH_HELP = (
    "Authentication failed. Please make sure you pass the API key of an API enabled user "
    "along in the Authorization header."
)


class MispJSON(Response):
    """A JSON response serialised with orjson (fast on 10,000-attribute events)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def misp_success(message: str, url: str, *, id: int | str | None = None) -> MispJSON:
    """MISP's answer to a save or a delete that worked (its ``saveSuccessResponse``):
    ``{"saved": true, "success": true, "name", "message", "url"}``, plus ``id`` when the
    request named a record by it."""
    body: dict[str, Any] = {
        "saved": True,
        "success": True,
        "name": message,
        "message": message,
        "url": url,
    }
    if id is not None:
        body["id"] = str(id)
    return MispJSON(body)


def platform_of(request: Request) -> Platform:
    """The platform the app was built with."""
    platform: Platform = request.app.state.platform
    return platform


async def raw_body(request: Request) -> bytes:
    """The request body as bytes; 413 past the size limit."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> Any:
    """The request body as JSON (``{}`` when empty); 413 past the size limit."""
    raw = await raw_body(request)
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"The request body is not valid JSON: {exc}") from None
    # JSON can carry NUL only escaped: a byte search spares the walk on every other body.
    # PostgreSQL cannot store NUL in text, SQLite can: refused everywhere, both agree.
    where_nul = nul_path(body) if b"\\u0000" in raw else None
    if where_nul is not None:
        raise InvalidInput(f"{where_nul}: NUL characters are not allowed")
    return body


def named_params(tail: str | None) -> dict[str, str]:
    """CakePHP named parameters in a path tail: ``limit:10/page:2`` -> dict."""
    out: dict[str, str] = {}
    for part in (tail or "").split("/"):
        if ":" in part:
            key, _, value = part.partition(":")
            out[key] = value
    return out


async def identify(request: Request) -> Identity:
    """The user behind the ``Authorization`` (or ``X-MISP-AUTH``) header.

    Asynchronous so that a cached identity (most requests) costs no hop to a worker
    thread; a lookup in the database still runs in one, off the event loop."""
    key = (request.headers.get("authorization") or request.headers.get("x-misp-auth") or "").strip()
    if not key:
        raise Unauthenticated(AUTH_HELP)
    if len(key) != 40 or not key.isalnum():
        raise Unauthenticated(AUTH_HELP + " (The key must be 40 alphanumeric characters.)")
    platform = platform_of(request)
    identity = platform.cached_identity(key) or await run_in_threadpool(platform.identify, key)
    if identity is None:
        raise Unauthenticated(AUTH_HELP)
    return identity


def hard_delete(path_flag: str | None, body: Any) -> bool:
    """MISP's hard-delete switch: ``/delete/{id}/1`` or ``{"hard": 1}`` in the body."""
    raw = path_flag or (body.get("hard") if isinstance(body, dict) else None) or False
    return as_bool(raw, "hard")
