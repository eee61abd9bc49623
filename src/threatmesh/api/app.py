"""The application factory: ``create_app(settings)`` wires everything once."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from threatmesh import __version__
from threatmesh.api import errors, openapi
from threatmesh.api.mail import build_mailer
from threatmesh.api.routes import (
    abe,
    admin,
    anonymizer,
    attributes,
    content,
    events,
    inventory,
    objects,
    risk,
    servers,
    stream,
    sync,
    trust,
    uma,
)
from threatmesh.api.routes.collab import (
    analyst_data,
    blocklists,
    delegations,
    exclusions,
    feeds,
    proposals,
    reports,
)
from threatmesh.api.routes.library import ROUTERS as LIBRARY_ROUTERS
from threatmesh.api.settings import Settings
from threatmesh.services import runtime
from threatmesh.services.abe.key_authority import KeyAuthority
from threatmesh.services.platform import Platform
from threatmesh.services.trust import Trust


def build_platform(settings: Settings) -> Platform:
    """The platform (engine, options) that ``settings`` describe."""
    return runtime.open_platform(
        settings.resolved_database_url(),
        correlation_cap=settings.correlation_cap,
        unpublished_private=settings.unpublished_private,
        auth_cache_seconds=settings.auth_cache_seconds,
        base_url=settings.base_url,
        sync_serve_community=settings.sync_serve_community,
        data_dir=settings.data_dir,
        trust=Trust(
            issuer=settings.base_url,
            rpt_ttl=settings.uma_rpt_ttl,
            ticket_ttl=settings.uma_ticket_ttl,
            reputation_half_life_days=settings.reputation_half_life_days,
        ),
    )


def build_key_authority(settings: Settings, platform: Platform) -> KeyAuthority:
    """The CP-ABE key authority, its master keys in ``settings.abe_authority_dir``
    (trust levels from ``platform``'s reputations if ``abe_trust_from_reputation``)."""
    return runtime.key_authority(
        settings.abe_authority_dir or settings.data_dir / "abe-authority",
        trust_levels=settings.abe_trust_levels,
        role_aliases=settings.abe_role_attributes,
        reputation_of=platform if settings.abe_trust_from_reputation else None,
    )


def start_background(settings: Settings, platform: Platform) -> runtime.Background:
    """The event bus that ``settings`` name (``THREATMESH_BUS``), and the outbox relay
    feeding it unless ``THREATMESH_RELAY`` is off."""
    return runtime.start_background(
        platform,
        bus=settings.bus,
        bus_url=settings.nats_url,
        bus_stream=settings.nats_stream,
        bus_prefix=settings.nats_subject_prefix,
        relay=settings.relay,
        relay_linger_seconds=settings.relay_linger_seconds,
    )


def tune_gc(threshold: int) -> None:
    """Collect cyclic garbage less often in a server process. Nearly all of a request's
    objects are freed by reference counting; with Python's default (a young collection
    every 700 allocations) an ``events/add`` of 10,000 attributes ran hundreds of
    collections, and the full ones walked every object loaded at start. Freezing those
    moves them out of the collector's sight. With both (at 10,000) the server spent
    660-670 ms of CPU on that add against 750-840 ms, small adds no more."""
    if threshold:
        gc.freeze()
        gc.set_threshold(threshold, *gc.get_threshold()[1:])


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect the bus and run the outbox relay while the server runs."""
    settings: Settings = app.state.settings
    tune_gc(settings.gc_threshold)
    background = start_background(settings, app.state.platform)
    app.state.background = background
    try:
        yield
    finally:
        background.stop()


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    """A FastAPI app serving MISP's REST API over the configured database.

    The schema must already be migrated (``threatmesh db upgrade``).
    """
    settings = settings or Settings()
    app = FastAPI(
        title="threatmesh",
        version=__version__,
        description="A MISP-compatible threat-intelligence sharing platform.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.platform = platform or build_platform(settings)
    app.state.attachments = app.state.platform.attachments or runtime.attachment_store(
        settings.data_dir
    )
    app.state.platform.attachments = app.state.attachments  # sync moves files with events
    errors.install(app)
    app.state.key_authority = build_key_authority(settings, app.state.platform)
    app.state.mailer = build_mailer(settings)
    # FastAPI tries routes in order, a few microseconds each through included routers:
    # attributes (restSearch, the hottest route) comes before the events router's
    # twenty; uma (three requests per protected fetch) before the administrative and
    # background routers, which it used to follow by some ninety routes (about 0.1 ms
    # a request), and after content (sightings/add, which detectors call). No two
    # routers' paths overlap (/attributes/..., /events/..., /uma/...), so the order
    # changes no match.
    routers = [servers, attributes, events, content, uma, admin, sync, stream, anonymizer, abe]
    collab = [blocklists, exclusions, reports, analyst_data, feeds, delegations, proposals]
    for module in [*routers, objects, trust, risk, inventory, *collab]:
        app.include_router(module.router)
    for router in LIBRARY_ROUTERS:
        app.include_router(router)
    openapi.install(app)
    return app
