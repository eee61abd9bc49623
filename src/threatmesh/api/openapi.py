"""The OpenAPI document: every parameter, body, security scheme and answer of the API.

FastAPI describes an operation's parameters and its success answer from the code. What
it cannot see is added here, once for every route, from the route's dependencies:

- the API key (``Authorization`` or ``X-MISP-AUTH``) on routes that ``identify`` the
  caller, and 401 and 403 with it;
- the JSON body a route reads itself (``json_body``: MISP's documents, validated by
  the services, hence any JSON here), and 400, 404 and 413 with it;
- 400 and 404 on routes with path parameters, 400 on routes with query parameters,
  409 on routes that write;
- MISP's ``{"name", "message", "url"}`` body on every error answer that has none;
- no FastAPI 422: request validation errors answer 400 here (``errors.py``);
- no body on HEAD answers;
- the values the services accept in parameters whose type alone does not say it
  (``PARAMETERS``, ``REFS``): the services check the values themselves, in their own
  words; ``tests/api/test_schemathesis.py`` checks that they accept what is stated
  here and refuse what is not.

A route states what its dependencies do not tell (a 502 from a remote instance, a
different body) with ``responses=errors(...)`` or its own ``responses=``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from threatmesh.api.http import identify, json_body
from threatmesh.services.admin.statistics import CONTEXTS as STATISTICS_PAGES
from threatmesh.services.anonymizer.policies import BINDING_KINDS
from threatmesh.services.risk.common import HOST_PATTERN

Doc = dict[str, Any]

ERROR_REF = "#/components/schemas/MispError"
#: MISP's error body (``AppController``'s ``name``/``message``/``url``).
ERROR_SCHEMA: Doc = {
    "title": "MispError",
    "type": "object",
    "required": ["name", "message", "url"],
    "properties": {
        "name": {"type": "string"},
        "message": {"type": "string", "description": "What is wrong, and where."},
        "url": {"type": "string", "description": "The path that was requested."},
    },
}
SECURITY_SCHEMES: Doc = {
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The user's 40-character API key, as MISP takes it.",
    },
    "MispAuth": {"type": "apiKey", "in": "header", "name": "X-MISP-AUTH"},
    "UmaRpt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An RPT from /uma/token (UMA 2.0 Grant).",
    },
}
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: An id or a UUID, as ``events/view/{ref}`` takes it (``[0-9]``: JSON Schema's ``\d``
#: is ASCII, Python's is not).
ID_OR_UUID: Doc = {"type": "string", "pattern": f"^([0-9]+|{_UUID})$"}
ANALYST_DATA = ("Note", "Opinion", "Relationship")
#: Path parameter values by name, wherever the name appears.
PARAMETERS: dict[str, Doc] = {
    "event_ref": ID_OR_UUID,
    "attribute_ref": ID_OR_UUID,
    "hard": {"type": "string", "enum": ["1", "true", "True", "yes", "0", "false", "False", "no"]},
    "context": {"type": "string", "enum": ["event", "attribute"]},
    "technique": {"type": "string", "enum": ["incremental", "full", "update"]},
    "kind": {"type": "string", "enum": list(BINDING_KINDS)},
    "host": {"type": "string", "pattern": HOST_PATTERN},
    "grouping": {"type": "string", "enum": ["type", "category"]},
    "page": {"type": "string", "enum": list(STATISTICS_PAGES)},
}
#: Path parameters by name and the paths they appear under (elsewhere a ``ref`` also
#: takes a name, and ``events/checkuuid`` any string).
REFS: dict[tuple[str, str], Doc] = {
    ("ref", "/events/"): ID_OR_UUID,
    ("version", "/events/upload_stix/"): {"type": "string", "enum": ["1", "2"]},
    ("ref", "/attributes/"): ID_OR_UUID,
    ("ref", "/sightings/listSightings/"): ID_OR_UUID,
    ("ref", "/anonymizer/export/"): ID_OR_UUID,
    ("ref", "/anonymizer/statistics/"): ID_OR_UUID,
    ("uuid", "/uma/events/"): {"type": "string", "pattern": f"^{_UUID}$"},
    ("ref", "/eventReports/"): ID_OR_UUID,
    ("ref", "/shadowAttributes/"): {"type": "string", "pattern": "^[0-9]+$"},
    ("ref", "/feeds/"): {"type": "string", "pattern": "^[0-9]+$"},
    ("ref", "/sightings/delete/"): ID_OR_UUID,
    ("ref", "/analyst_data/"): ID_OR_UUID,
    ("data_kind", "/analyst_data/"): {
        "type": "string",
        "enum": ["Note", "Opinion", "Relationship"],
    },
    ("kind_or_all", "/analyst_data/"): {
        "type": "string",
        "enum": [*ANALYST_DATA, "all"],
    },
    ("object_uuid", "/analyst_data/"): {"type": "string", "pattern": f"^{_UUID}$"},
}
DESCRIPTIONS = {
    400: "Invalid input: malformed JSON, or a parameter or value that is not valid.",
    401: "Authentication failed: no API key, or not a valid one.",
    403: "Authenticated, but not allowed to do this.",
    404: "Not found, or not visible to the caller.",
    405: "MISP's refusal of an action on a record the caller may not act on (or that "
    "does not exist): MethodNotAllowed.",
    409: "Conflict with existing data (a UUID or a unique name already taken).",
    413: "The request body is over the configured limit.",
    501: "This instance was installed without the optional extra the request needs.",
    502: "The remote instance failed or could not be reached.",
}
#: POST routes that only read: they never conflict with existing data.
READS = frozenset(
    {
        "/events/index",
        "/events/index/{named}",
        "/events/restSearch",
        "/events/view/{ref}",
        "/events/filterEventIdsForPush",
        "/attributes/restSearch",
        "/objects/restSearch",
        "/sightings/restSearch",
        "/sightings/restSearch/{context}",
        "/sightings/listSightings",
        "/sightings/listSightings/{ref}/{context}",
        "/sightings/filterSightingsForPush",
        "/servers/postTest",
        "/servers/testConnection/{ref}",
        "/anonymizer/preview",
    }
)
_BODY = {
    "required": False,
    "description": "A MISP JSON document; the server validates it and answers 400 "
    "with what is wrong and where.",
    "content": {"application/json": {"schema": {}}},
}


def errors(*codes: int) -> dict[int | str, Doc]:
    """``responses=`` for a route decorator: error answers its dependencies do not imply."""
    return {code: {"description": DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the completed document (built once, then cached)."""
    build = app.openapi

    def openapi() -> Doc:
        if app.openapi_schema is None:
            complete(build(), app)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(doc: Doc, app: FastAPI) -> Doc:
    """Add to FastAPI's document what the routes' dependencies imply (see module)."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["MispError"] = ERROR_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    routes = [
        (str(ctx.path_format), ctx.methods or (), ctx.original_route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute) and ctx.original_route.include_in_schema
    ]
    # A function serving ``/x/{ref}`` and ``/x/{ref}/{hard}`` has ``hard`` default to
    # None; FastAPI then also takes it from the query string of ``/x/{ref}``. That alias
    # is an accident of the signature, not MISP's API: it is left out of the document.
    in_paths: dict[Callable[..., Any], set[str]] = {}
    for _, _, route in routes:
        names = {p.name for p in route.dependant.path_params}
        in_paths.setdefault(route.endpoint, set()).update(names)
    for path, methods, route in routes:
        for method in methods:
            op = doc["paths"][path][method.lower()]
            aliases = in_paths[route.endpoint]
            op["parameters"] = [
                _parameter(p, path)
                for p in op.get("parameters", ())
                if not (p["in"] == "query" and p["name"] in aliases)
            ]
            if not op["parameters"]:
                del op["parameters"]
            _operation(op, route, method, path)
    return doc


def _operation(op: Doc, route: APIRoute, method: str, path: str) -> None:
    calls: set[Callable[..., Any]] = {d.call for d in route.dependant.dependencies if d.call}
    if json_body in calls:
        op.setdefault("requestBody", _BODY)
    codes: set[int] = set()
    if identify in calls:
        op.setdefault("security", [{"ApiKey": []}, {"MispAuth": []}])
        codes |= {401, 403}
    if route.dependant.path_params or json_body in calls:  # ids in the path or the body
        codes |= {400, 404}
    if route.dependant.query_params:
        codes.add(400)
    if "requestBody" in op:
        codes |= {400, 413}
    if method not in ("GET", "HEAD") and path not in READS:
        codes.add(409)
    responses: Doc = op["responses"]
    responses.pop("422", None)
    for code in codes:
        responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
    op["responses"] = responses = dict(sorted(responses.items()))
    _error_bodies(responses.items())
    if method == "HEAD":
        for answer in responses.values():
            answer.pop("content", None)


def _parameter(parameter: Doc, path: str) -> Doc:
    name, schema = parameter["name"], parameter["schema"]
    kinds = [k for k in schema.get("anyOf", ()) if k.get("type") != "null"]
    if parameter["in"] == "query" and len(kinds) == 1:
        # ``str | None``: None is the parameter's absence; on the wire it is a string.
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = parameter["schema"] = {**kinds[0], **rest}
    if parameter["in"] != "path":
        return parameter
    stated = PARAMETERS.get(name) or next(
        (s for (n, prefix), s in REFS.items() if n == name and path.startswith(prefix)), None
    )
    if stated is not None:
        parameter["schema"] = {"title": schema.get("title", name), **stated}
    return parameter


def _error_bodies(responses: Iterable[tuple[str, Doc]]) -> None:
    for code, answer in responses:
        if code[0] in "45" and "content" not in answer:
            answer["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
