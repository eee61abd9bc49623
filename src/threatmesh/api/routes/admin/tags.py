"""Tags and statistics (MISP's ``tags/view|edit|delete|search|tagStatistics``,
``attributes/attributeStatistics``, ``users/statistics``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.admin import statistics, tags
from threatmesh.services.platform import Identity

router = APIRouter(tags=["tags"])


@router.get("/tags/view/{ref}")
def view_tag(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """A tag with how many events (``count``) and attributes the caller sees it on."""
    return MispJSON(tags.view(platform_of(request), who, ref))


@router.post("/tags/edit/{ref}")
@router.put("/tags/edit/{ref}")
def edit_tag(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Change a tag's name or flags (tag editors)."""
    return MispJSON(tags.edit(platform_of(request), who, ref, body))


@router.post("/tags/delete/{ref}")
@router.delete("/tags/delete/{ref}")
def delete_tag(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a tag and its links (tag editors)."""
    tags.delete(platform_of(request), who, ref)
    return misp_success("Tag deleted.", f"/tags/delete/{ref}")


@router.post("/tags/search")
def search_tags(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Tags named like ``{"tagname": "..."}`` (``%`` wildcards)."""
    return MispJSON(tags.search(platform_of(request), who, body))


@router.get("/tags/tagStatistics")
@router.get("/tags/tagStatistics/{percentage}")
@router.get("/tags/tagStatistics/{percentage}/{keysort}")
def tag_statistics(
    request: Request,
    percentage: str = "false",
    keysort: str = "false",
    who: Identity = Depends(identify),
) -> MispJSON:
    """Events per tag (``true``: as percentages; ``keysort`` true: by name)."""
    result = tags.statistics(
        platform_of(request), who, percentage=percentage == "true", name_sort=keysort == "true"
    )
    return MispJSON(result)


@router.get("/attributes/attributeStatistics/{grouping}")
@router.get("/attributes/attributeStatistics/{grouping}/{percentage}")
def attribute_statistics(
    request: Request, grouping: str, percentage: str = "", who: Identity = Depends(identify)
) -> MispJSON:
    """Attributes per ``type`` or ``category`` (``/true``: as percentages)."""
    share = percentage not in ("", "0", "false")
    return MispJSON(statistics.attribute_statistics(platform_of(request), who, grouping, share))


@router.get("/users/statistics")
@router.get("/users/statistics/{page}")
def user_statistics(
    request: Request, page: str = "data", who: Identity = Depends(identify)
) -> MispJSON:
    """MISP's statistics pages: data, orgs, users, tags, attributehistogram, sightings."""
    return MispJSON(statistics.user_statistics(platform_of(request), who, page))
