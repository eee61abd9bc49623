"""``objects/view``, ``objects/edit`` and ``objects/restSearch`` (MISP's
``ObjectsController``; ``objects/add`` and ``objects/delete`` are in
:mod:`threatmesh.api.routes.content`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from threatmesh.api.attachments import store_of
from threatmesh.api.http import MispJSON, identify, json_body, platform_of
from threatmesh.services.events import attachments, objects
from threatmesh.services.platform import Identity
from threatmesh.services.search import objects as search

router = APIRouter(tags=["objects"])


@router.get("/objects/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One object (by id or UUID) with the attributes the caller may see, and its
    ``Event``; 404 "Invalid object." when it does not exist or is not visible."""
    obj = objects.view_object(platform_of(request), who, ref)
    attachments.decorate_attributes(store_of(request), obj.get("Attribute") or [])
    return MispJSON({"Object": obj})


@router.head("/objects/view/{ref}")
def exists(request: Request, ref: str, who: Identity = Depends(identify)) -> Response:
    """200 if the object exists and is visible, else 404 (PyMISP's ``object_exists``)."""
    found = objects.object_exists(platform_of(request), who, ref)
    return Response(status_code=200 if found else 404)


@router.post("/objects/edit/{ref}")
@router.put("/objects/edit/{ref}")
def edit(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Edit an object as MISP does: the fields sent; attributes matched by UUID
    (changed ones updated, new ones added, those left out soft-deleted); ``deleted:
    true`` soft-deletes it."""
    store = store_of(request)
    obj = objects.edit_object(platform_of(request), who, ref, body, store=store)
    attachments.decorate_attributes(store, obj.get("Attribute") or [])
    return MispJSON({"Object": obj})


@router.post("/objects/restSearch")
@router.get("/objects/restSearch")
def rest_search(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Objects matching MISP's object filters (``object_name``, ``object_template_uuid``,
    ``object_template_version``, ``eventid``, ``uuid``, ``deleted``, and attribute
    filters such as ``value``, ``type``, ``category``, ``object_relation``), as
    ``{"response": [{"Object": {...}}]}``."""
    params = body.get("request", body) if isinstance(body, dict) else {}
    platform = platform_of(request)
    found = search.search_objects(platform, who, params)
    return MispJSON({"response": [{"Object": o} for o in found]})
