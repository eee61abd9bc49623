"""``objects/*``, ``tags/*`` and ``sightings/*``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.attachments import store_of
from threatmesh.api.http import (
    MispJSON,
    hard_delete,
    identify,
    json_body,
    misp_success,
    named_params,
    platform_of,
)
from threatmesh.formats.fields import as_bool, as_str
from threatmesh.formats.misp_json import MAX_NAME, unwrap
from threatmesh.model.errors import InvalidInput
from threatmesh.services.events import attachments, objects, sightings, tags
from threatmesh.services.platform import Identity

router = APIRouter(tags=["objects", "tags", "sightings"])


@router.post("/objects/add/{event_ref}")
@router.post("/objects/add/{event_ref}/{template}")
def add_object(
    request: Request,
    event_ref: str,
    template: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Add an object (checked against its misp-objects template) to an event.

    ``template`` is MISP's template id in the path; it is not used: the object's
    ``name`` in the body names the template."""
    store = store_of(request)
    obj = objects.add_object(platform_of(request), who, event_ref, body, store=store)
    attachments.decorate_attributes(store, obj.get("Attribute") or [])
    return MispJSON({"Object": obj})


@router.post("/objects/delete/{ref}")
@router.post("/objects/delete/{ref}/{hard}")
@router.delete("/objects/delete/{ref}")
def delete_object(
    request: Request,
    ref: str,
    hard: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Soft-delete an object and its attributes (``hard: 1`` removes them)."""
    is_hard = hard_delete(hard, body)
    objects.delete_object(platform_of(request), who, ref, hard=is_hard, store=store_of(request))
    return MispJSON({"message": "Object deleted"})


def _tag_request(body: Any) -> tuple[str, str, bool]:
    data = body if isinstance(body, dict) else {}
    target, tag = data.get("uuid"), data.get("tag")
    if not target or not tag:
        raise InvalidInput(
            "Give the 'uuid' of an event or attribute and the 'tag' to attach or remove."
        )
    return (
        as_str(target, "uuid", max_len=36),
        as_str(tag, "tag", max_len=MAX_NAME),  # MISP's tags.name is a varchar(255)
        as_bool(data.get("local", False), "local"),
    )


@router.post("/tags/attachTagToObject")
def attach(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Attach a tag (by name, created if new) to an event or attribute UUID."""
    target, tag, local = _tag_request(body)
    try:
        done = tags.attach_tag(platform_of(request), who, target, tag, local=local, attach=True)
    except tags.TagRefused as refused:
        # MISP's saveFailResponse: PyMISP's callers read the reasons under "errors"
        reasons = f'Failed to attach 1 tags. Reasons: {{"0":{json.dumps(refused.message)}}}'
        name = "Could not attachTagToObject Tag"
        fail = {"saved": False, "name": name, "message": name, "url": request.url.path}
        return MispJSON(fail | {"errors": reasons}, status_code=403)
    return MispJSON(
        {
            "saved": True,
            "success": "Tag(s) attached.",
            "check_publish": True,
            "message": done.message,
        }
    )


@router.post("/tags/removeTagFromObject")
def detach(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Remove a tag from an event or attribute UUID."""
    target, tag, local = _tag_request(body)
    done = tags.attach_tag(platform_of(request), who, target, tag, local=local, attach=False)
    return MispJSON(
        {"saved": True, "success": "Tag removed.", "check_publish": True, "message": done.message}
    )


@router.post("/sightings/add")
@router.post("/sightings/add/{attribute_ref}")
def add_sighting(
    request: Request,
    attribute_ref: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Record a sighting on an attribute, or on every visible attribute with a value."""
    added = sightings.add_sighting(platform_of(request), who, body, attribute_ref)
    return MispJSON({"Sighting": added[0]} if len(added) == 1 else [{"Sighting": s} for s in added])


@router.post("/sightings/listSightings")
@router.post("/sightings/listSightings/{ref}/{context}")
def list_sightings(
    request: Request,
    ref: str | None = None,
    context: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Sightings of an event or an attribute that the caller may see."""
    data = unwrap(body, "Sighting") if body else {}
    ctx = context or str(data.get("context") or "event")
    target = ref or str(data.get("id") or "")
    org = as_str(data["org_id"], "org_id") if data.get("org_id") not in (None, "") else None
    return MispJSON(sightings.list_sightings(platform_of(request), who, ctx, target, org))


@router.get("/sightings/index")
@router.post("/sightings/index")
def index_all_sightings(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Every sighting the caller may see, oldest first (MISP's ``sightings/index`` with no
    event; PyMISP's ``sightings()``); ``org_id`` (an id or a UUID) in the body: only that
    organisation's."""
    data = unwrap(body, "Sighting") if isinstance(body, dict) else {}
    found = sightings.search_sightings(platform_of(request), who, None, {})
    if data.get("org_id") in (None, ""):
        return MispJSON(found)
    org = as_str(data["org_id"], "org_id").lower()
    return MispJSON(
        [
            s
            for s in found
            if org in (s["Sighting"]["org_id"], s["Sighting"]["Organisation"]["uuid"])
        ]
    )


@router.get("/sightings/index/{event_ref}")
@router.post("/sightings/index/{event_ref}")
def index_sightings(
    request: Request, event_ref: str, who: Identity = Depends(identify)
) -> MispJSON:
    """The sightings of an event the caller may see (MISP's ``sightings/index/{event}``)."""
    return MispJSON(sightings.list_sightings(platform_of(request), who, "event", event_ref))


@router.post("/sightings/delete/{ref}")
@router.delete("/sightings/delete/{ref}")
def delete_sighting(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a sighting of the caller's organisation (by id or UUID)."""
    sightings.delete_sighting(platform_of(request), who, ref)
    return misp_success("Sighting successfully deleted.", f"/sightings/delete/{ref}")


@router.post("/sightings/restSearch")
@router.post("/sightings/restSearch/{context}")
def search_sightings(
    request: Request,
    context: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Sightings matching the filters that the caller may see."""
    params = body if isinstance(body, dict) else {}
    return MispJSON(sightings.search_sightings(platform_of(request), who, context, params))


@router.get("/tags/index")
@router.get("/tags/index/{named:path}")
def list_tags(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """All tags (``searchall:`` filters by name, ``%`` wildcards)."""
    search = named_params(named).get("searchall")
    return MispJSON({"Tag": tags.list_tags(platform_of(request), who, search)})


@router.post("/tags/add")
def add_tag(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Create a tag."""
    return MispJSON({"Tag": tags.add_tag(platform_of(request), who, body)})
