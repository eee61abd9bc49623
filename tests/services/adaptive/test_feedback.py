"""A decoy's interaction fed back through the MISP API (SQLite and PostgreSQL): a
sighting on the CVE attribute, the connection and payload in the host's decoy event,
and the host's risk rises."""

from __future__ import annotations

import hashlib

import pytest
from pymisp import MISPEvent, PyMISP

from tests.services.adaptive.world import APACHE, World, hit_in_process, make_world
from tests.support import LiveServer
from threatmesh.client.http import ThreatmeshClient
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.inventory import Exposure, Host
from threatmesh.services.adaptive.feedback import feed_back
from threatmesh.services.adaptive.remote import publish_inventory

CVE = "CVE-2021-41773"


@pytest.fixture
def world(server: LiveServer) -> World:
    return make_world(server)


def test_a_hit_becomes_a_sighting_and_an_event_and_raises_risk(world: World) -> None:
    url = world.server.url
    with ThreatmeshClient(url, world.hosts_key) as client:
        publish_inventory(client, Host("web-01", (APACHE,), Exposure.INTERNET))
    attribute = world.publish_cve(CVE, [APACHE])
    before = world.risk("web-01")
    assert before["vulnerabilities"] > 0 and before["decoy_hits"] == 0

    decoy = decoy_for(CVE)
    hit = hit_in_process(decoy, "web-01")
    with ThreatmeshClient(url, world.hosts_key) as client:
        fed = feed_back(client, hit)
        again = feed_back(client, hit_in_process(decoy, "web-01"))
    assert fed.sighted == 1 and again.event_uuid == fed.event_uuid

    hosts = PyMISP(url, world.hosts_key, ssl=False, timeout=60)
    sightings = hosts.search_sightings(context="attribute", context_id=attribute.id)
    sources = [s["Sighting"]["source"] for s in sightings]
    assert sources == ["decoy@web-01", "decoy@web-01"]
    event = hosts.get_event(fed.event_uuid, pythonify=True)
    assert isinstance(event, MISPEvent)
    assert {t.name for t in event.tags} == {"threatmesh:decoy", 'threatmesh:host="web-01"'}
    connection = event.get_objects_by_name("network-connection")[0]
    assert connection.get_attributes_by_relation("ip-src")[0].value == "127.0.0.1"
    tags = {t.name for t in connection.get_attributes_by_relation("ip-src")[0].tags}
    assert 'misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190"' in tags
    payload = event.get_objects_by_name("file")[0]
    digest = hashlib.sha256(b"".join(decoy.probe)).hexdigest()
    assert payload.get_attributes_by_relation("sha256")[0].value == digest
    assert len(event.objects) == 4  # two interactions, two objects each

    after = world.risk("web-01")
    assert after["decoy_hits"] > 0 and after["p"] > before["p"]
