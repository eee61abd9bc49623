"""``correlation_exclusions/*`` (and MISP's ``correlationExclusions/*`` spelling):
MISP's ``CorrelationExclusionsController``."""

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
from threatmesh.services.collab import exclusions
from threatmesh.services.platform import Identity

router = APIRouter(tags=["correlation exclusions"])


def _routes(base: str) -> None:
    @router.get(base, name=f"{base}_list")
    @router.get(f"{base}/index", name=f"{base}_index")
    @router.get(base + "/index/{named:path}", name=f"{base}_index_named")
    def index(
        request: Request, named: str | None = None, who: Identity = Depends(identify)
    ) -> MispJSON:
        """The excluded values (``value:``, ``comment:``, ``quickFilter:`` filter them)."""
        return MispJSON(exclusions.index(platform_of(request), who, named_params(named)))

    @router.get(base + "/view/{ref}", name=f"{base}_view")
    def view(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
        """One exclusion by id."""
        return MispJSON(exclusions.view(platform_of(request), who, ref))

    @router.post(f"{base}/add", name=f"{base}_add")
    def add(
        request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
    ) -> MispJSON:
        """Exclude a value from correlation (``%`` at an end: a prefix/suffix rule)."""
        return MispJSON(exclusions.add(platform_of(request), who, body))

    @router.post(base + "/edit/{ref}", name=f"{base}_edit")
    def edit(
        request: Request,
        ref: str,
        who: Identity = Depends(identify),
        body: Any = Depends(json_body),
    ) -> MispJSON:
        """Change an exclusion's comment."""
        return MispJSON(exclusions.edit(platform_of(request), who, ref, body))

    @router.post(base + "/delete/{ref}", name=f"{base}_delete")
    @router.delete(base + "/delete/{ref}", name=f"{base}_delete_verb")
    def delete(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
        """Remove an exclusion: the value correlates again."""
        exclusions.delete(platform_of(request), who, ref)
        message = "CorrelationExclusion deleted."
        return misp_success(message, f"{base}/delete/{ref}", id=ref)

    @router.post(f"{base}/clean", name=f"{base}_clean")
    def clean(request: Request, who: Identity = Depends(identify)) -> MispJSON:
        """Drop correlations the exclusions cover (none are stored here: at once)."""
        exclusions.clean(platform_of(request), who)
        message = "Correlations cleanup initiated, based on the exclusion rules."
        return misp_success(message, f"{base}/clean")


for _base in ("/correlation_exclusions", "/correlationExclusions"):
    _routes(_base)
