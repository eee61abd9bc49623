"""MISP's ``GalaxyClustersController`` and ``GalaxyClusterRelationsController::delete``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import (
    MispJSON,
    hard_delete,
    identify,
    json_body,
    misp_success,
    platform_of,
)
from threatmesh.services.library import clusters
from threatmesh.services.platform import Identity

router = APIRouter(tags=["galaxy_clusters"])


@router.get("/galaxy_clusters/view/{ref}")
def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A galaxy cluster (by id or uuid) with its elements and relations."""
    return MispJSON(clusters.view(platform_of(request), who, ref))


@router.post("/galaxy_clusters/add/{galaxy}")
def add(
    request: Request, galaxy: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """A new cluster in a galaxy (by id or uuid), owned by the caller's organisation."""
    return MispJSON(clusters.add(platform_of(request), who, galaxy, body))


@router.post("/galaxy_clusters/edit/{ref}")
def edit(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a cluster the caller's organisation made; elements and relations sent
    replace the cluster's."""
    return MispJSON(clusters.edit(platform_of(request), who, ref, body))


@router.post("/galaxy_clusters/publish/{ref}")
def publish(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Publish a cluster."""
    found = clusters.publish(platform_of(request), who, ref)
    return misp_success("Galaxy cluster published.", f"/galaxy_clusters/publish/{found}", id=found)


@router.post("/galaxy_clusters/delete/{ref}")
def delete(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Delete a cluster: soft, or for good with ``{"hard": 1}``."""
    hard = hard_delete(None, body)
    found = clusters.delete(platform_of(request), who, ref, hard=hard)
    message = "Galaxy cluster successfully deleted." if hard else "Galaxy cluster soft deleted."
    return misp_success(message, f"/galaxy_clusters/delete/{found}", id=found)


@router.post("/galaxy_cluster_relations/delete/{ref}")
def delete_relation(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a relation of a cluster the caller may change."""
    found = clusters.delete_relation(platform_of(request), who, ref)
    return misp_success(
        "Galaxy cluster relation deleted.", f"/galaxy_cluster_relations/delete/{found}", id=found
    )
