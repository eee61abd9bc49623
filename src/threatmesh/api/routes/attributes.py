"""``attributes/*``: add, view, index, edit, delete, download, restSearch, describeTypes."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from starlette.responses import StreamingResponse

from threatmesh.api.attachments import store_of
from threatmesh.api.http import (
    MispJSON,
    hard_delete,
    identify,
    json_body,
    named_params,
    platform_of,
)
from threatmesh.formats.fields import as_bool
from threatmesh.model.validation import describe_types
from threatmesh.services.events import attachments
from threatmesh.services.events import attributes as svc
from threatmesh.services.platform import Identity
from threatmesh.services.search import attributes as search
from threatmesh.services.search import exports, stix_exports
from threatmesh.services.search.params import parse_query

router = APIRouter(tags=["attributes"])


@router.get("/attributes/describeTypes")
@router.get("/attributes/describeTypes.json")
def types(who: Identity = Depends(identify)) -> MispJSON:
    """MISP's type and category table, as this instance validates against it."""
    return MispJSON({"result": describe_types.describe_types()})


@router.post("/attributes/add/{event_ref}")
@router.post("/attributes/add/{event_ref}/{named:path}")
def add(
    request: Request,
    event_ref: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Add one attribute or a list to an event, as MISP's ``AttributesController::add``:
    an attribute that repeats the type, category and value of one in the event (outside
    objects) is refused ("A similar attribute already exists for this event."), the
    others saved, the refusals under ``errors`` by ``attribute_<index>``; when none is
    saved, 403 with them. ``breakOnDuplicate:0`` (named parameter) updates the attribute
    repeated instead; ``enforceWarninglist:1`` (or the field on an attribute) refuses
    those that hit an enabled warninglist."""
    params = named_params(named)
    added = svc.add_attributes(
        platform_of(request),
        who,
        event_ref,
        body,
        store=store_of(request),
        break_on_duplicate=as_bool(params.get("breakOnDuplicate", "1"), "breakOnDuplicate"),
        enforce_warninglist=as_bool(params.get("enforceWarninglist", "0"), "enforceWarninglist"),
    )
    items = body.get("Attribute", body) if isinstance(body, dict) else body
    many = isinstance(items, list) and len(items) > 1
    if not added.attributes:
        return _save_failed(added.errors if many else added.errors.get("attribute_0", {}))
    # A list of several answers a list (MISP answers one saved attribute alone, which
    # PyMISP's add_attribute of a list cannot read); one attribute answers it alone.
    out: dict[str, Any] = {"Attribute": added.attributes if many else added.attributes[0]}
    if added.errors:
        out["errors"] = added.errors
    return MispJSON(out)


def _save_failed(errors: dict[str, Any] | str) -> MispJSON:
    """MISP's ``saveFailResponse`` for ``attributes/add``: 403 with the validation
    errors."""
    message = "Could not add Attribute"
    body = {"saved": False, "name": message, "message": message, "url": "/attributes/add"}
    return MispJSON(body | {"errors": errors}, status_code=403)


@router.get("/attributes/index")
@router.get("/attributes/index/{named:path}")
def index(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """A page of the live attributes the caller sees, newest events first (``limit:``,
    default 60 as in MISP, ``page:``, ``searchvalue:``): the attributes alone."""
    return MispJSON(svc.index_attributes(platform_of(request), who, named_params(named)))


@router.get("/attributes/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One attribute, if visible."""
    return MispJSON({"Attribute": svc.view_attribute(platform_of(request), who, ref)})


@router.head("/attributes/view/{ref}")
def exists(request: Request, ref: str, who: Identity = Depends(identify)) -> Response:
    """200 if the attribute exists and is visible, else 404."""
    try:
        svc.view_attribute(platform_of(request), who, ref)
    except Exception:
        return Response(status_code=404)
    return Response(status_code=200)


@router.post("/attributes/edit/{ref}")
@router.put("/attributes/edit/{ref}")
def edit(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change an attribute's fields (those not sent keep their value)."""
    edited = svc.edit_attribute(platform_of(request), who, ref, body, store=store_of(request))
    return MispJSON({"Attribute": edited})


@router.post("/attributes/delete/{ref}")
@router.post("/attributes/delete/{ref}/{hard}")
@router.delete("/attributes/delete/{ref}")
def delete(
    request: Request,
    ref: str,
    hard: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Soft-delete an attribute (``hard: 1`` removes it)."""
    is_hard = hard_delete(hard, body)
    svc.delete_attribute(platform_of(request), who, ref, hard=is_hard, store=store_of(request))
    return MispJSON({"message": "Attribute deleted."})


@router.get(
    "/attributes/download/{ref}",
    response_class=Response,
    responses={
        200: {
            "description": "The stored file: a malware sample's zip (password "
            "``infected``), an attachment's bytes.",
            "content": {
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
                attachments.OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def download(request: Request, ref: str, who: Identity = Depends(identify)) -> Response:
    """The file of an ``attachment`` or ``malware-sample`` attribute, as a download."""
    got = attachments.download(platform_of(request), who, ref, store_of(request))
    # The name is the attribute's value: keep header syntax (quotes, CR/LF) out of it.
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in got.filename
    )
    utf8_name = quote(got.filename, safe="")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(got.content, media_type=got.media_type, headers=headers)


@router.post("/attributes/restSearch", responses=exports.RESPONSES)
@router.get("/attributes/restSearch", responses=exports.RESPONSES)
def rest_search(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> Response:
    """Attributes matching the filters, streamed page by page from the database.

    A result that fits in one chunk (most lookups) is sent as a plain response: a
    stream costs about a millisecond more per request."""
    platform = platform_of(request)
    params = body.get("request", body) if isinstance(body, dict) else {}
    fmt = exports.return_format(params)
    params = exports.with_export_defaults(params, fmt)
    q = parse_query(params, now=platform.now())
    if fmt in stix_exports.FORMATS:
        accept = request.headers.get("accept", "")
        document = stix_exports.attributes_export(platform, who, q, fmt, accept)
        return Response(document, media_type=stix_exports.media_type(fmt, accept))
    if fmt != "json":
        out = exports.attributes_export(platform, who, params, q, fmt)
        return StreamingResponse(out, media_type=exports.MEDIA_TYPES[fmt])
    store = store_of(request) if attachments.requested(params) else None
    chunks = search.rest_search(platform, who, q, attachments=store)
    first, second = next(chunks, b""), next(chunks, None)
    if second is None:
        return Response(first, media_type="application/json")
    rest = itertools.chain((first, second), chunks)
    return StreamingResponse(rest, media_type="application/json")
