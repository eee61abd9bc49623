"""Every decoy by CVE (a registry that refuses a CVE twice), and the catalogue as
knowledge for the risk engine (``risk.facts.CveKnowledge``): which products each CVE
affects and its CVSS, from the decoys' own data."""

from __future__ import annotations

from collections.abc import Iterable

from threatmesh.honeypots.decoys import openwire, ssh, web_apps, web_servers
from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.risk.cvss_vectors import parse_vector
from threatmesh.honeypots.risk.facts import CveReport
from threatmesh.honeypots.risk.model import ExploitMaturity
from threatmesh.model.errors import NotFound
from threatmesh.model.registry import Registry

__all__ = ["CATALOGUE", "Catalogue", "decoy_for"]


def _registry(decoys: Iterable[Decoy]) -> Registry[Decoy]:
    registry: Registry[Decoy] = Registry("decoy")
    for decoy in decoys:
        registry.register(decoy.cve, decoy)
    return registry


class Catalogue:
    """The decoys by CVE; what they say of their CVEs (a ``CveKnowledge``)."""

    def __init__(self, decoys: Iterable[Decoy]) -> None:
        self.decoys = _registry(decoys)

    def cves(self) -> Iterable[str]:
        """The CVEs a decoy exists for."""
        return list(self.decoys)

    def about(self, cve: str) -> CveReport | None:
        """The CVE's products and CVSS as its decoy states them; every decoy comes with
        a public exploit's probe, so the exploit is at least documented."""
        decoy = self.decoys.get(cve.upper())
        if decoy is None:
            return None
        cvss = parse_vector(decoy.cvss)
        return CveReport(
            cve=decoy.cve,
            cpes=decoy.cpes,
            cvss=cvss.base_score,
            attack_vector=cvss.attack_vector,
            exploit=ExploitMaturity.DOCUMENTED,
        )


#: The decoys this package ships.
CATALOGUE = Catalogue((*web_servers.DECOYS, *web_apps.DECOYS, *ssh.DECOYS, *openwire.DECOYS))


def decoy_for(cve: str) -> Decoy:
    """The decoy for ``cve``; NotFound naming the CVE when there is none."""
    decoy = CATALOGUE.decoys.get(cve.strip().upper())
    if decoy is None:
        raise NotFound(f"cve: no decoy emulates {cve[:40]!r}")
    return decoy
