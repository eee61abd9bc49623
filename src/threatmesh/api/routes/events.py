"""``events/*``: add, view, edit, delete, publish, index, restSearch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.responses import StreamingResponse

from threatmesh.api.attachments import store_of
from threatmesh.api.http import (
    MispJSON,
    identify,
    json_body,
    misp_success,
    named_params,
    platform_of,
    raw_body,
)
from threatmesh.api.mail import mailer_of
from threatmesh.api.openapi import errors
from threatmesh.services.events import attachments, contact, stix_upload
from threatmesh.services.events import events as svc
from threatmesh.services.library import warninglists
from threatmesh.services.platform import Identity
from threatmesh.services.search import events as search
from threatmesh.services.search import exports, stix_exports
from threatmesh.services.search.params import event_scope, index_query, parse_query, view_deleted
from threatmesh.services.sync import api as sync_api
from threatmesh.services.sync import serve as sync_serve

router = APIRouter(tags=["events"])


def _truthy(params: Any, name: str) -> bool:
    """A flag of a search body (``enforceWarninglist``: true, 1, "1", "true")."""
    return isinstance(params, dict) and params.get(name) in (True, 1, "1", "true", "True")


def _metadata(named: str | None) -> bool:
    """MISP's ``/metadata:1``: answer with the event without its attributes and objects."""
    return named_params(named).get("metadata") in ("1", "true")


@router.post("/events/add")
@router.post("/events/add/{named:path}")
def add(
    request: Request,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Add an event with its attributes, objects and tags (one transaction)."""
    metadata = _metadata(named)
    platform = platform_of(request)
    if sync_serve.is_sync_user(who):
        # Pushed by a remote instance: MISP's sync semantics (files stored with the event).
        return MispJSON({"Event": sync_api.receive_pushed(platform, who, body, metadata=metadata)})
    store = store_of(request)
    event = svc.add_event(platform, who, body, metadata=metadata, store=store)
    return MispJSON({"Event": attachments.decorate(store, event)})


_STIX_BODY = {
    "requestBody": {
        "required": True,
        "description": "The STIX document itself: a STIX 1 package as XML (version 1, the "
        "default) or a STIX 2.0/2.1 bundle as JSON (version 2). What does not convert is "
        "a 400 naming why, and nothing is written.",
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.post("/events/upload_stix", openapi_extra=_STIX_BODY, responses=errors(501))
@router.post("/events/upload_stix/{version}", openapi_extra=_STIX_BODY, responses=errors(501))
def upload_stix(
    request: Request,
    version: str = "1",
    who: Identity = Depends(identify),
    data: bytes = Depends(raw_body),
) -> MispJSON:
    """Import a STIX document as a new event (converted by misp-stix, the ``stix``
    extra; 501 without it), stored as ``events/add`` stores one; answers the event."""
    store = store_of(request)
    event = stix_upload.upload_stix(platform_of(request), who, data, version=version, store=store)
    return MispJSON({"Event": attachments.decorate(store, event)})


@router.get("/events/view/{ref}")
@router.post("/events/view/{ref}")
@router.get("/events/view/{ref}/{named:path}")
@router.post("/events/view/{ref}/{named:path}")
def view(
    request: Request,
    ref: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """An event as the caller may see it, with correlations (``RelatedEvent``);
    ``deleted`` (named parameter or body, as PyMISP's ``get_event(deleted=...)``
    sends it) adds the deleted content the caller may see; ``noSightings:1`` leaves
    the attributes' sightings out."""
    platform = platform_of(request)
    if sync_serve.is_sync_user(who):
        # What leaves for a remote instance has passed the egress hook (the anonymizer):
        # files go only with the attributes it let through unchanged (serve_event).
        return MispJSON({"Event": sync_serve.serve_event(platform, who, ref)})
    named_map = named_params(named)
    raw = body.get("deleted") if isinstance(body, dict) else None
    deleted = view_deleted(named_map.get("deleted", raw))
    opts = svc.deleted_options(deleted)
    # PyMISP's get_event(no_sightings=True): /noSightings:1, the attributes without
    # their Sighting lists.
    if named_map.get("noSightings", "") in ("1", "true", "True"):
        opts["include_sightings"] = False
    event = svc.view_event(platform, who, ref, **opts)
    return MispJSON({"Event": attachments.decorate(store_of(request), event)})


@router.head("/events/view/{ref}")
def exists(request: Request, ref: str, who: Identity = Depends(identify)) -> Response:
    """200 if the event exists and is visible, else 404."""
    return Response(status_code=200 if svc.event_exists(platform_of(request), who, ref) else 404)


@router.post("/events/edit/{ref}")
@router.post("/events/edit/{ref}/{named:path}")
@router.put("/events/edit/{ref}")
def edit(
    request: Request,
    ref: str,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Edit an event: fields, new content, and content matched by UUID."""
    metadata = _metadata(named)
    platform = platform_of(request)
    if sync_serve.is_sync_user(who):
        event = sync_api.receive_pushed(platform, who, body, ref=ref, metadata=metadata)
        return MispJSON({"Event": event})
    store = store_of(request)
    event = svc.edit_event(platform, who, ref, body, metadata=metadata, store=store)
    return MispJSON({"Event": attachments.decorate(store, event)})


@router.post("/events/delete/{ref}")
@router.delete("/events/delete/{ref}")
def delete(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete an event and everything in it."""
    event_id = svc.delete_event(platform_of(request), who, ref, store=store_of(request))
    return misp_success("Event deleted.", f"/events/delete/{event_id}", id=event_id)


@router.post("/events/publish/{ref}")
@router.post("/events/alert/{ref}")
def publish(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Publish an event: the request commits it, and the push to the connected servers
    is queued on the background pusher (``MISP.background_jobs`` is true), so MISP's
    answer is its background-mode "Job queued"."""
    event_id = svc.set_published(platform_of(request), who, ref, True)
    action = request.url.path.rstrip("/").split("/")[-2]
    return misp_success("Job queued", f"/events/{action}/{event_id}", id=event_id)


@router.post("/events/unpublish/{ref}")
def unpublish(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Unpublish an event."""
    event_id = svc.set_published(platform_of(request), who, ref, False)
    return misp_success("Event unpublished.", f"/events/unpublish/{event_id}", id=event_id)


@router.post("/events/contact/{ref}", responses=errors(403))
def contact_reporter(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """E-mail the event's reporter (its creator organisation's users who want contact
    alerts and its creator; only the creator with ``person``), Reply-To the caller.
    Without a mail server (``THREATMESH_SMTP_HOST``), with nobody to write to, or when
    the mail server refuses, MISP's failure answer (``saveFailResponse``, 403) says why.
    A sync route: FastAPI runs it in a worker thread, so SMTP never blocks the loop."""
    try:
        event_id = contact.contact_reporter(
            platform_of(request), who, ref, body, mailer=mailer_of(request)
        )
    except contact.ContactFailed as failed:
        answer = {"saved": False, "name": failed.name, "message": failed.name}
        answer |= {"errors": failed.message, "url": f"/events/contact/{failed.event_id}"}
        return MispJSON(answer | {"id": str(failed.event_id)}, status_code=403)
    return misp_success(contact.SENT, f"/events/contact/{event_id}", id=event_id)


@router.get("/events/index")
@router.post("/events/index")
@router.get("/events/index/{named:path}")
@router.post("/events/index/{named:path}")
def index(
    request: Request,
    named: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Event metadata, filtered (body or named parameters), sorted and paged."""
    platform = platform_of(request)
    params = {
        **dict(request.query_params),
        **named_params(named),
        **(body if isinstance(body, dict) else {}),
    }
    # On events/index, MISP's "timestamp" is the event's own (sync lists by it).
    params = event_scope(params)
    q = index_query(parse_query(params, now=platform.now()))
    q = sync_serve.index_query(platform, who, q)
    minimal = str(params.get("minimal", "")) in ("1", "true", "True")
    return MispJSON(search.index(platform, who, q, minimal=minimal))


@router.post("/events/restSearch", responses=exports.RESPONSES)
@router.get("/events/restSearch", responses=exports.RESPONSES)
def rest_search(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> Response:
    """Full events matching the filters, streamed one event at a time."""
    platform = platform_of(request)
    params = body.get("request", body) if isinstance(body, dict) else {}
    fmt = exports.return_format(params)
    params = event_scope(exports.with_export_defaults(params, fmt))
    q = parse_query(params, now=platform.now())
    ids = search.search_event_ids(platform, who, q)
    store = store_of(request) if attachments.requested(params) else None
    metadata = str(params.get("metadata", "")).lower() in ("1", "true")
    if fmt in stix_exports.FORMATS:
        accept = request.headers.get("accept", "")
        document = stix_exports.events_export(platform, who, q, ids, fmt, accept)
        return Response(document, media_type=stix_exports.media_type(fmt, accept))
    if fmt != "json":
        out = exports.events_export(platform, who, params, q, ids)
        return StreamingResponse(out, media_type=exports.MEDIA_TYPES[fmt])

    def stream() -> Iterator[bytes]:
        yield b'{"response": ['
        if sync_serve.is_sync_user(who):  # a remote instance pulling: pages of events
            sep = b""
            for start in range(0, len(ids), 50):
                for event in sync_serve.serve_many(platform, who, ids[start : start + 50]):
                    yield sep + orjson.dumps({"Event": event})
                    sep = b","
            yield b"]}"
            return
        sep = b""
        enforce = warninglists.enforcer(platform) if _truthy(params, "enforceWarninglist") else None
        for event in search.found_events(platform, who, ids, q, metadata=metadata):
            if enforce is not None:
                event = enforce(event)
            if store is not None:
                attachments.decorate(store, event)
            yield sep + orjson.dumps({"Event": event})
            sep = b","
        yield b"]}"

    return StreamingResponse(stream(), media_type="application/json")
