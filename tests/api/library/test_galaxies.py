"""Galaxies over the API with PyMISP, as its live suite drives them: update, index,
search, view with clusters, a galaxy tag on an event, attachCluster (SQLite and
PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPEvent, MISPGalaxy, PyMISP
from tests.support import LiveServer


def _event(info: str) -> MISPEvent:
    event = MISPEvent()
    event.info = info
    event.distribution = 0
    event.add_attribute("ip-dst", "198.51.100.30")
    return event


def test_galaxies_and_clusters_on_events(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    assert admin.update_galaxies()["name"] == "Galaxies updated."
    assert admin.update_galaxies()["name"] == "Galaxies updated."  # nothing new: no duplicates
    listed = admin.galaxies(pythonify=True)
    first = listed[0]
    assert len(admin.search_galaxy(value=first.name, pythonify=True)) == 1
    mobile = next(g for g in listed if g.name == "Mobile Attack - Attack Pattern")
    assert admin.get_galaxy(mobile, pythonify=True).name == mobile.name
    galaxy = admin.get_galaxy(first.id, withCluster=True, pythonify=True)
    assert isinstance(galaxy, MISPGalaxy) and len(galaxy.clusters) > 1
    cluster, other = galaxy.clusters[0], galaxy.clusters[1]

    tagged = _event("galaxy tag")
    tagged.add_tag(cluster.tag_name)
    added = admin.add_event(tagged, pythonify=True)
    assert [g.id for g in added.galaxies] == [galaxy.id]
    assert added.galaxies[0].clusters[0].id == cluster.id

    plain = admin.add_event(_event("attach"), pythonify=True)
    assert admin.attach_galaxy_cluster(plain, cluster)["saved"]
    plain = admin.get_event(plain.id, pythonify=True)
    assert plain.galaxies[0].clusters[0].id == cluster.id
    assert admin.attach_galaxy_cluster(plain.attributes[0], other)["saved"]
    plain = admin.get_event(plain.id, pythonify=True)
    assert plain.attributes[0].galaxies[0].clusters[0].id == other.id
    assert plain.attributes[0].galaxies[0].id == galaxy.id


def test_unknown_galaxy_and_cluster(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        assert http.get("/galaxies/view/424242").status_code == 404
        event = http.post("/events/add", json={"info": "x", "distribution": 0}).json()["Event"]
        body = {"Galaxy": {"target_id": "424242"}}
        r = http.post(f"/galaxies/attachCluster/{event['id']}/event/local:0", json=body)
        assert r.status_code == 404 and r.json()["message"] == "Invalid Galaxy cluster."
        assert http.post("/galaxies/attachCluster/1/tagCollection", json=body).status_code == 400
