"""MISP events read into the risk model's inputs (the contract of docs/adaptive.md)."""

from __future__ import annotations

import json
from typing import Any

from pymisp import MISPEvent

from tests.honeypots.risk.misp_facts import (
    APACHE_2449,
    OPENSSH,
    hids_event,
    inventory_event,
    vulnerability_event,
)
from threatmesh.honeypots.risk.campaigns import CampaignIndex, CampaignUse, UseKind, build_index
from threatmesh.honeypots.risk.cvss_vectors import AttackVector
from threatmesh.honeypots.risk.facts import (
    CveReport,
    cve_reports,
    host_facts,
    inventory_of,
)
from threatmesh.honeypots.risk.model import ExploitMaturity, Hit
from threatmesh.honeypots.risk.queries import evidence_queries

INDEX: CampaignIndex = build_index(
    [
        CampaignUse("CVE-2021-41773", "APT-X", UseKind.ACTOR, "test"),
        CampaignUse("CVE-2021-41773", "Mirai", UseKind.MALWARE, "test"),
    ]
)


class Catalogue:
    """A fake of the decoy catalogue's CVE knowledge."""

    def __init__(self, reports: dict[str, CveReport]) -> None:
        self.reports = reports

    def cves(self) -> list[str]:
        return list(self.reports)

    def about(self, cve: str) -> CveReport | None:
        return self.reports.get(cve)


def _json(event: MISPEvent) -> dict[str, Any]:
    """The event as JSON, the way it travels (and with a sighting list per attribute)."""
    data: dict[str, Any] = json.loads(event.to_json())
    return {"Event": data}


def test_the_inventory_names_the_host_and_its_products() -> None:
    inv = inventory_of(_json(inventory_event("web-01", [APACHE_2449, OPENSSH])))
    assert inv is not None
    assert (inv.host, inv.cpes) == ("web-01", (APACHE_2449, OPENSSH))
    assert inventory_of(_json(vulnerability_event("CVE-1", [APACHE_2449]))) is None


def test_a_vulnerability_object_says_everything_of_its_cve() -> None:
    event = vulnerability_event(
        "cve-2021-41773",
        ["cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"],
        vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:H",
        published="2021-10-05T00:00:00+00:00",
        tags=('misp-galaxy:threat-actor="APT-Y"', 'vulnerability:exploitability="documented"'),
    )
    data = _json(event)
    data["Event"]["Orgc"] = {"name": "CIRCL", "reputation": {"score": 0.8}}
    (report,) = cve_reports(data)
    assert report == CveReport(
        cve="CVE-2021-41773",
        cpes=(APACHE_2449,),
        cvss=7.5,
        attack_vector=AttackVector.NETWORK,
        exploit=ExploitMaturity.INDUSTRIALISED,  # the vector's E:H beats the tag
        published=1633392000,
        actors=frozenset({"APT-Y"}),
        source_trust=0.8,
    )


def test_a_loose_cve_applies_through_the_events_cpes() -> None:
    event = MISPEvent()
    event.info = "Log4Shell"
    event.add_attribute("vulnerability", "CVE-2021-44228")
    event.add_attribute("cpe", "cpe:2.3:a:apache:log4j:2.14.1")
    (report,) = cve_reports(_json(event))
    assert (report.cve, report.cpes, report.cvss) == (
        "CVE-2021-44228", ("cpe:2.3:a:apache:log4j:2.14.1",), None,
    )  # fmt: skip


def test_host_facts_from_what_the_platform_holds() -> None:
    vuln = _json(
        vulnerability_event(
            "CVE-2021-41773",
            ["cpe:2.3:a:apache:http_server:2.4.49"],
            score=7.5,
            published="2021-10-05",
        )
    )
    # A decoy on web-01 was hit twice; another host's decoy once.
    attr = vuln["Event"]["Object"][0]["Attribute"][0]
    attr["Sighting"] = [
        {"type": "0", "source": "decoy@web-01", "date_sighting": "1800000000"},
        {"type": "0", "source": "decoy@web-01", "date_sighting": "1800000100"},
        {"type": "1", "source": "decoy@web-01", "date_sighting": "1800000200"},
        {"type": "0", "source": "decoy@db-01", "date_sighting": "1800000300"},
    ]
    events = [
        _json(inventory_event("web-01", [APACHE_2449])),
        _json(inventory_event("db-01", [OPENSSH])),
        vuln,
        _json(vulnerability_event("CVE-2020-15778", [OPENSSH], score=7.8)),
        _json(hids_event("web-01", [
            ("new-listening-port", 0.8, "port", "4444", "port 4444/tcp is listening"),
        ])),
        _json(hids_event("db-01", [("brute-force", 0.9, "ip-src", "203.0.113.5", "...")])),
    ]  # fmt: skip
    facts = host_facts("web-01", events, index=INDEX)
    (v,) = facts.vulnerabilities
    assert (v.cve, v.software, v.cvss, v.fixed_at) == (
        "CVE-2021-41773", APACHE_2449, 7.5, 1633392000,
    )  # fmt: skip
    assert v.exploit is ExploitMaturity.INDUSTRIALISED  # malware exploits it in the wild
    assert v.apt_users == {"APT-X"}
    assert facts.hits == (Hit(1800000000, "CVE-2021-41773"), Hit(1800000100, "CVE-2021-41773"))
    (d,) = facts.detections
    assert (d.kind, d.severity) == ("new-listening-port", 0.8)
    # Nothing is known against a host with no inventory.
    assert host_facts("nowhere", events, index=INDEX).vulnerabilities == ()


def test_knowledge_from_outside_the_platform() -> None:
    """A bare CVE attribute applies when the caller's knowledge (the decoy catalogue)
    knows which products it affects."""
    event = MISPEvent()
    event.info = "Apache path traversal"
    event.add_attribute("vulnerability", "CVE-2021-41773")
    catalogue = Catalogue(
        {
            "CVE-2021-41773": CveReport(
                "CVE-2021-41773", cpes=("cpe:2.3:a:apache:http_server:2.4.49",), cvss=7.5
            )
        }
    )
    events = [_json(inventory_event("web-01", [APACHE_2449])), _json(event)]
    assert host_facts("web-01", events, index=INDEX).vulnerabilities == ()
    facts = host_facts("web-01", events, index=INDEX, knowledge=catalogue)
    assert [(v.cve, v.cvss) for v in facts.vulnerabilities] == [("CVE-2021-41773", 7.5)]


def test_queries_for_a_hosts_evidence() -> None:
    kernel = "cpe:/o:linux:linux_kernel:5.4"
    assert evidence_queries("web-01", [APACHE_2449, kernel], ["CVE-1"]) == [
        {"tags": ['threatmesh:host="web-01"']},
        {"type": "cpe", "value": [
            "cpe:/a:apache:http_server%", "cpe:/o:linux:linux_kernel%",
            "cpe:2.3:a:apache:http_server:%", "cpe:2.3:o:linux:linux_kernel:%",
        ]},
        {"type": "vulnerability", "value": ["CVE-1"]},
    ]  # fmt: skip
