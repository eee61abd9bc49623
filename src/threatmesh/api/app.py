"""The application factory: ``create_app(settings)`` wires everything once."""

from __future__ import annotations

from fastapi import FastAPI

from threatmesh import __version__
from threatmesh.api import errors
from threatmesh.api.routes import admin, attributes, content, events, servers, trust, uma
from threatmesh.api.settings import Settings
from threatmesh.services.platform import Platform
from threatmesh.services.trust import Trust
from threatmesh.storage.database import create_engine


def build_platform(settings: Settings) -> Platform:
    """The platform (engine, options) that ``settings`` describe."""
    return Platform(
        engine=create_engine(settings.resolved_database_url()),
        correlation_cap=settings.correlation_cap,
        unpublished_private=settings.unpublished_private,
        auth_cache_seconds=settings.auth_cache_seconds,
        trust=Trust(
            issuer=settings.base_url,
            rpt_ttl=settings.uma_rpt_ttl,
            ticket_ttl=settings.uma_ticket_ttl,
            reputation_half_life_days=settings.reputation_half_life_days,
        ),
    )


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    """A FastAPI app serving MISP's REST API over the configured database.

    The schema must already be migrated (``threatmesh db upgrade``).
    """
    settings = settings or Settings()
    app = FastAPI(
        title="threatmesh",
        version=__version__,
        description="A MISP-compatible threat-intelligence sharing platform.",
    )
    app.state.settings = settings
    app.state.platform = platform or build_platform(settings)
    errors.install(app)
    for module in (servers, events, attributes, content, admin, uma, trust):
        app.include_router(module.router)
    return app
