"""``servers/*``: the handshake clients do first."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from threatmesh import MISP_COMPAT_VERSION, __version__
from threatmesh.api.http import MispJSON, identify
from threatmesh.services.platform import Identity

router = APIRouter(tags=["servers"])

#: The PyMISP release this server is tested with.
RECOMMENDED_PYMISP = "2.5.34"


@router.get("/servers/getVersion")
@router.get("/servers/getVersion.json")
def version(who: Identity = Depends(identify)) -> MispJSON:
    """The MISP API level spoken, and the caller's sync-relevant permissions."""
    return MispJSON(
        {
            "version": MISP_COMPAT_VERSION,
            "threatmesh_version": __version__,
            "pymisp_recommended_version": RECOMMENDED_PYMISP,
            "perm_sync": who.viewer.can("perm_sync"),
            "perm_sighting": who.viewer.can("perm_sighting"),
            "perm_galaxy_editor": who.viewer.can("perm_galaxy_editor"),
            "request_encoding": [],
            "filter_sightings": True,
        }
    )


@router.get("/servers/getPyMISPVersion")
@router.get("/servers/getPyMISPVersion.json")
def pymisp_version(who: Identity = Depends(identify)) -> MispJSON:
    """The PyMISP version this server is tested with."""
    return MispJSON({"version": RECOMMENDED_PYMISP})
