"""Routes of MISP's knowledge library: one module per MISP controller (taxonomies,
warninglists, noticelists, objectTemplates, galaxies and galaxy clusters)."""

from __future__ import annotations

from fastapi import APIRouter

from threatmesh.api.routes.library import (
    clusters,
    decaying_models,
    freetext,
    galaxies,
    noticelists,
    object_templates,
    taxonomies,
    warninglists,
)

#: The library's routers, in the order the app includes them.
ROUTERS: tuple[APIRouter, ...] = (
    taxonomies.router,
    warninglists.router,
    noticelists.router,
    object_templates.router,
    galaxies.router,
    clusters.router,
    freetext.router,
    decaying_models.router,
)
