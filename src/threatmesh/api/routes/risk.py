"""``/risk/hosts/{host}``: a host's probability of compromise, explained factor by factor."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, platform_of
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.services.platform import Identity
from threatmesh.services.risk import hosts

router = APIRouter(tags=["risk"])


@router.get("/risk/hosts/{host}")
def host_risk(request: Request, host: str, who: Identity = Depends(identify)) -> MispJSON:
    """The probability that ``host`` is compromised, with the log-odds term of each
    factor (vulnerabilities, patch lag, APT campaigns, decoy hits, host anomalies), from
    the host's inventory, the CVE reports naming its products, its decoys' sightings and
    its HIDS reports that the caller may see. 404 when no visible inventory names it."""
    # The decoy catalogue tells which products its CVEs affect, and their CVSS.
    return MispJSON(hosts.host_risk(platform_of(request), who, host, knowledge=CATALOGUE))
