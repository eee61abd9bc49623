"""``feeds/*`` (MISP's ``FeedsController``, without fetching), ``communities/*`` and
``events/pushEventToZMQ``."""

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
from threatmesh.services.collab import feeds, zmq
from threatmesh.services.platform import Identity

router = APIRouter(tags=["feeds", "communities"])
CACHING = "Feed caching job initiated."


@router.get("/feeds")
@router.get("/feeds/index")
def index(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Every feed (MISP's default feeds are there from the start, disabled)."""
    return MispJSON(feeds.index(platform_of(request), who))


@router.get("/feeds/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One feed by id."""
    return MispJSON(feeds.view(platform_of(request), who, ref))


@router.post("/feeds/add")
def add(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """A new feed (``name``, ``provider``, ``url``)."""
    return MispJSON(feeds.add(platform_of(request), who, body))


@router.post("/feeds/edit/{ref}")
@router.put("/feeds/edit/{ref}")
def edit(
    request: Request,
    ref: str,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Change the fields sent (``enabled``, ``caching_enabled``...)."""
    return MispJSON(feeds.edit(platform_of(request), who, ref, body))


@router.post("/feeds/enable/{ref}")
@router.post("/feeds/disable/{ref}")
def toggle(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Enable or disable a feed."""
    enable = "/feeds/enable/" in request.url.path
    feeds.set_enabled(platform_of(request), who, ref, enable)
    word = "enabled" if enable else "disabled"
    return misp_success(f"Feed {word}.", f"/feeds/{word[:-1]}/{ref}", id=ref)


@router.post("/feeds/delete/{ref}")
@router.delete("/feeds/delete/{ref}")
def delete(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Remove a feed."""
    feeds.delete(platform_of(request), who, ref)
    return misp_success("Feed deleted.", f"/feeds/delete/{ref}", id=ref)


@router.post("/feeds/cacheFeeds/{scope}")
def cache(request: Request, scope: str, who: Identity = Depends(identify)) -> MispJSON:
    """MISP's answer to a caching request (``all``, ``freetext``, ``misp`` or an id);
    no cache is built here (the feed import engine's)."""
    feeds.cache(platform_of(request), who, scope)
    return misp_success(CACHING, f"/feeds/cacheFeeds/{scope}")


@router.get("/feeds/compareFeeds")
def compare(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The overlap between cached feeds: none is cached here, so none."""
    feeds.index(platform_of(request), who)  # the permission check
    return MispJSON([])


@router.get("/communities")
@router.get("/communities/index")
@router.get("/communities/index/{named:path}")
def communities(
    request: Request, named: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """MISP's list of known communities (``context:vetted|unvetted|all``, ``value:``)."""
    params = named_params(named)
    found = zmq.communities(who, params.get("context", "vetted"), params.get("value"))
    return MispJSON(found)


@router.get("/communities/view/{ref}")
def community(ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One community by id or UUID."""
    return MispJSON(zmq.one_community(who, ref))


@router.post("/events/pushEventToZMQ/{ref}")
def push_to_zmq(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Publish the event on the event bus (MISP: on ZeroMQ, ``misp_json``)."""
    event_id = zmq.push_event(platform_of(request), who, ref)
    return misp_success(zmq.PUSHED, "/events/pushEventToZMQ", id=event_id)
