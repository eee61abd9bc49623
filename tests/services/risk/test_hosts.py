"""A host's risk from what the live platform holds (facts written with PyMISP), through
``GET /risk/hosts/{host}`` and through ``threatmesh risk show`` (the MISP API)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pymisp import MISPEvent, MISPOrganisation, MISPSighting, MISPUser, PyMISP

from tests.honeypots.risk.misp_facts import (
    APACHE_2449,
    OPENSSH,
    hids_event,
    inventory_event,
    vulnerability_event,
)
from tests.support import LiveServer
from threatmesh.services.risk import remote

NOW = 1_800_000_000
CVE = "CVE-2021-41773"


def _org_user(admin: PyMISP, name: str, role: int = 3) -> str:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email = f"ops@{name.lower()}.test"
    user.org_id = created.id
    user.role_id = role  # 3: user (events, sightings); 4: publisher
    added = admin.add_user(user)
    assert isinstance(added, dict) and "User" in added, added
    return str(added["User"]["authkey"])


def _add(misp: PyMISP, event: MISPEvent) -> MISPEvent:
    created = misp.add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent), created
    return created


@dataclass
class World:
    server: LiveServer
    hosts_key: str  # the organisation that runs web-01 and db-01
    intel: PyMISP  # a CERT that publishes vulnerability intelligence
    outsider_key: str
    cve_attribute: str

    def risk(self, host: str, key: str | None = None) -> httpx.Response:
        return httpx.get(
            f"{self.server.url}/risk/hosts/{host}",
            headers={"Authorization": key or self.hosts_key, "Accept": "application/json"},
            timeout=60,
        )

    def factors(self, host: str) -> dict[str, float]:
        answer = self.risk(host)
        assert answer.status_code == 200, answer.text
        return {f["factor"]: f["log_odds"] for f in answer.json()["Risk"]["factors"]}

    def probability(self, host: str) -> float:
        return float(self.risk(host).json()["Risk"]["probability"])


@pytest.fixture
def world(server: LiveServer) -> World:
    server.platform.clock = lambda: NOW
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    hosts_key = _org_user(admin, "HOSTS")
    intel = PyMISP(server.url, _org_user(admin, "CERT", role=4), ssl=False, timeout=60)
    outsider_key = _org_user(admin, "OUTSIDER")
    hosts = PyMISP(server.url, hosts_key, ssl=False, timeout=60)
    _add(hosts, inventory_event("web-01", [APACHE_2449]))
    _add(hosts, inventory_event("db-01", [OPENSSH]))
    published = dt.datetime.fromtimestamp(NOW - 45 * 86_400, dt.UTC).isoformat()
    vuln = vulnerability_event(
        CVE,
        ["cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"],
        vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        published=published,
        tags=('misp-galaxy:threat-actor="APT41"', 'vulnerability:exploitability="industrialised"'),
    )
    vuln.distribution = 3
    created = _add(intel, vuln)
    intel.publish(created)
    attr = next(a for o in created.objects for a in o.attributes if a.type == "vulnerability")
    return World(server, hosts_key, intel, outsider_key, str(attr.uuid))


def test_a_hosts_risk_rises_with_hits_and_anomalies(world: World) -> None:
    before = world.factors("web-01")
    (item,) = world.risk("web-01").json()["Risk"]["factors"][1]["items"]
    # CVSS 7.5, network, industrialised exploit, reported by a source whose reputation
    # is raised by the host's own inventory naming the same product.
    assert (item["cvss"], item["attack_vector"], item["exploit"]) == (7.5, "N", "industrialised")
    trust = 0.5 + item["source_trust"]
    assert before["vulnerabilities"] == pytest.approx(2 * math.log1p(0.75 * trust), abs=1e-3)
    assert before["patch_lag"] == pytest.approx(1.814, abs=1e-3)  # 45 days late
    assert before["apt_campaigns"] > 0  # APT41 from the intelligence event's galaxy tag
    assert before["decoy_hits"] == before["detections"] == 0
    p0 = world.probability("web-01")
    # db-01 runs none of the affected software.
    assert world.factors("db-01")["vulnerabilities"] == 0

    # A decoy on web-01 records two hits as sightings on the CVE attribute.
    hosts = PyMISP(world.server.url, world.hosts_key, ssl=False, timeout=60)
    for _ in range(2):
        sighting = MISPSighting()
        sighting.from_dict(source="decoy@web-01", type="0", timestamp=NOW - 3600)
        assert "errors" not in hosts.add_sighting(sighting, world.cve_attribute)
    after_hits = world.factors("web-01")
    assert after_hits["decoy_hits"] > 0
    p1 = world.probability("web-01")
    assert p1 > p0
    assert world.factors("db-01")["decoy_hits"] == 0  # another host's decoys

    # The HIDS of web-01 reports a new listening port.
    report = hids_event("web-01", [("new-listening-port", 0.8, "port", "4444", "port 4444/tcp")])
    _add(hosts, report)
    assert world.factors("web-01")["detections"] == pytest.approx(0.5878, abs=1e-3)  # ln 1.8
    assert world.probability("web-01") > p1


def test_what_one_may_not_see_answers_as_what_does_not_exist(world: World) -> None:
    hidden = world.risk("web-01", world.outsider_key)
    absent = world.risk("no-such-host", world.outsider_key)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == {**absent.json(), "url": hidden.json()["url"]}
    assert hidden.json()["message"] == "Invalid host."
    bad = world.risk("bad%20name")
    assert bad.status_code == 400
    assert "host:" in bad.json()["message"]


def test_the_misp_api_gives_the_same_answer(world: World) -> None:
    """``threatmesh risk show`` computes on the client from events/restSearch: the same
    figures as the server's route, hits and anomalies included."""
    hosts = PyMISP(world.server.url, world.hosts_key, ssl=False, timeout=60)
    sighting = MISPSighting()
    sighting.from_dict(source="decoy@web-01", type="0", timestamp=NOW - 60)
    assert "errors" not in hosts.add_sighting(sighting, world.cve_attribute)
    _add(hosts, hids_event("web-01", [("brute-force", 0.9, "ip-src", "203.0.113.5", "...")]))
    server_side: dict[str, Any] = world.risk("web-01").json()["Risk"]
    client_side = remote.host_risk(world.server.url, world.hosts_key, "web-01", clock=lambda: NOW)
    assert client_side["Risk"] == server_side
    terms = {f["factor"]: f["log_odds"] for f in server_side["factors"]}
    assert terms["decoy_hits"] > 0 and terms["detections"] > 0
