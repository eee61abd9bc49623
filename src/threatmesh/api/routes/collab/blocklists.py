"""``eventBlocklists/*`` and ``orgBlocklists/*``: MISP's ``EventBlocklistsController``
and ``OrgBlocklistsController`` (both over its ``BlocklistComponent``)."""

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
from threatmesh.services.collab import blocklists
from threatmesh.services.platform import Identity

router = APIRouter(tags=["blocklists"])
#: The controller of each list in MISP's URLs.
_CONTROLLERS = {"event": "eventBlocklists", "organisation": "orgBlocklists"}


def _routes(kind: str) -> None:
    base = f"/{_CONTROLLERS[kind]}"

    @router.get(f"{base}/index", name=f"{kind}_blocklist_index")
    @router.get(base + "/index/{named:path}", name=f"{kind}_blocklist_index_named")
    def index(
        request: Request, named: str | None = None, who: Identity = Depends(identify)
    ) -> MispJSON:
        """The blocklist's entries (named parameters filter them, ``searchall`` too)."""
        found = blocklists.index(platform_of(request), who, kind, named_params(named))
        return MispJSON(found)

    @router.post(f"{base}/add", name=f"{kind}_blocklist_add")
    def add(
        request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
    ) -> MispJSON:
        """Block the UUIDs of ``uuids`` (with ``comment`` and descriptive fields)."""
        return MispJSON(blocklists.add(platform_of(request), who, kind, body))

    @router.post(base + "/edit/{ref}", name=f"{kind}_blocklist_edit")
    def edit(
        request: Request,
        ref: str,
        who: Identity = Depends(identify),
        body: Any = Depends(json_body),
    ) -> MispJSON:
        """Change an entry (by id or blocked UUID)."""
        return MispJSON(blocklists.edit(platform_of(request), who, kind, ref, body))

    @router.post(base + "/delete/{ref}", name=f"{kind}_blocklist_delete")
    @router.delete(base + "/delete/{ref}", name=f"{kind}_blocklist_delete_verb")
    def delete(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
        """Remove an entry (by id or blocked UUID): the UUID may come in again."""
        blocklists.delete(platform_of(request), who, kind, ref)
        return misp_success("Blocklist entry removed", f"{base}/delete/{ref}", id=ref)


for _kind in _CONTROLLERS:
    _routes(_kind)
