"""Sync endpoints: server connections (``servers/*``), and what a remote instance calls
while it pushes to us (``events/filterEventIdsForPush``, ``events/checkuuid``,
``sightings/filterSightingsForPush``, ``sightings/bulkSaveSightings``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.api.openapi import errors
from threatmesh.api.settings import Settings
from threatmesh.services.platform import Identity
from threatmesh.services.sync import api as sync_api
from threatmesh.services.sync import config as sync_config
from threatmesh.services.sync import failures as sync_failures_svc
from threatmesh.services.sync import servers as svc
from threatmesh.services.sync.autopush import PushWorker


@asynccontextmanager
async def _background_push(app: FastAPI) -> AsyncIterator[None]:
    """Run the background pusher (publishing pushes, as in MISP) while the server runs,
    unless ``THREATMESH_SYNC_PUSH_WORKER`` is false."""
    settings: Settings = app.state.settings
    worker = None
    if settings.sync_push_worker:
        worker = PushWorker(app.state.platform, poll_seconds=settings.sync_push_poll_seconds)
        worker.start()
    app.state.pusher = worker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


router = APIRouter(tags=["sync"], lifespan=_background_push)
_REMOTE = errors(502)  # the remote instance failed or could not be reached
_PUSH = errors(502, 409)  # ... and 409: another push to the same server is running


@router.post("/servers/add")
def add(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add a connection to a remote instance (URL, sync user's key, push/pull, rules)."""
    return MispJSON(svc.add(platform_of(request), who, body))


@router.get("/servers/index")
@router.get("/servers")
def index(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The connections, without their keys."""
    return MispJSON(svc.index(platform_of(request), who))


@router.post("/servers/edit/{ref}")
@router.put("/servers/edit/{ref}")
def edit(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a connection (fields not sent keep their value)."""
    return MispJSON(svc.edit(platform_of(request), who, ref, body))


@router.post("/servers/delete/{ref}")
@router.delete("/servers/delete/{ref}")
def delete(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a connection with its sync state."""
    server_id = svc.delete(platform_of(request), who, ref)
    return misp_success("Server deleted", f"/servers/delete/{server_id}", id=server_id)


@router.post("/servers/testConnection/{ref}")
@router.get("/servers/testConnection/{ref}")
def test_connection(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Reach the remote with the stored key; report its version and our permissions."""
    return MispJSON(svc.test_connection(platform_of(request), who, ref))


@router.post("/servers/pull/{ref}", responses=_REMOTE)
@router.get("/servers/pull/{ref}", responses=_REMOTE)
@router.post("/servers/pull/{ref}/{technique}", responses=_REMOTE)
@router.get("/servers/pull/{ref}/{technique}", responses=_REMOTE)
def pull(
    request: Request, ref: str, technique: str = "incremental", who: Identity = Depends(identify)
) -> MispJSON:
    """Run a pull from the remote now (``full`` starts over from the first event; an
    event id or UUID there pulls that event only)."""
    return MispJSON(sync_api.run(platform_of(request), who, ref, "pull", technique))


@router.post("/servers/push/{ref}", responses=_PUSH)
@router.get("/servers/push/{ref}", responses=_PUSH)
@router.post("/servers/push/{ref}/{technique}", responses=_PUSH)
@router.get("/servers/push/{ref}/{technique}", responses=_PUSH)
def push(
    request: Request, ref: str, technique: str = "incremental", who: Identity = Depends(identify)
) -> MispJSON:
    """Run a push to the remote now (``full`` offers every event again; an event id
    or UUID pushes that event only)."""
    return MispJSON(sync_api.run(platform_of(request), who, ref, "push", technique))


@router.get("/servers/createSync")
def create_sync(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """The configuration a remote instance imports to sync with this one as the caller
    (a sync user): this instance's URL, a new key of the caller's, its host organisation."""
    return MispJSON(sync_config.create_sync(platform_of(request), who))


@router.post("/servers/import")
def import_config(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Add a connection from a remote's ``servers/createSync`` configuration (push and
    pull off)."""
    return MispJSON(sync_config.import_config(platform_of(request), who, body))


@router.get("/servers/syncFailures")
@router.get("/servers/syncFailures/{ref}")
def sync_failures(
    request: Request, ref: str | None = None, who: Identity = Depends(identify)
) -> MispJSON:
    """Events a sync could not send, receive or serve to a remote sync user, with the
    reason, latest first (site admins; ``{ref}``: one connection's)."""
    return MispJSON(sync_failures_svc.listing(platform_of(request), who, ref))


@router.post("/servers/postTest")
def post_test(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """MISP's connection test of POST requests: the body comes back as it arrived."""
    return MispJSON(
        {"body": body, "headers": {"Content-Type": request.headers.get("content-type")}}
    )


@router.post("/events/filterEventIdsForPush")
def filter_for_push(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """UUIDs among the offered events that this instance lacks or holds older."""
    return MispJSON(sync_api.filter_events(platform_of(request), who, body))


@router.get("/events/checkuuid/{uuid}")
def check_uuid(request: Request, uuid: str, who: Identity = Depends(identify)) -> MispJSON:
    """Whether an event with this UUID exists here."""
    return MispJSON({"exists": sync_api.event_uuid_exists(platform_of(request), who, uuid)})


@router.post("/sightings/filterSightingsForPush")
def filter_sightings(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Sighting UUIDs among those offered that this instance does not have."""
    return MispJSON(sync_api.filter_sightings(platform_of(request), who, body))


@router.post("/sightings/bulkSaveSightings/{event_ref}")
@router.post("/sightings/bulkSaveSightings")
def bulk_save_sightings(
    request: Request,
    event_ref: str | None = None,
    who: Identity = Depends(identify),
    body: Any = Depends(json_body),
) -> MispJSON:
    """Store sightings synced from another instance (sync users only)."""
    saved = sync_api.save_sightings(platform_of(request), who, event_ref, body)
    if saved:
        return MispJSON({"saved": True, "success": f"{saved} sightings added."})
    return MispJSON({"saved": False, "success": "No sightings added."})
