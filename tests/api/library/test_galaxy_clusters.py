"""User-made galaxy clusters with PyMISP, as its live suite drives them: add, edit
elements and relations (with tags), delete a relation, soft and hard delete (SQLite
and PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPGalaxyCluster, PyMISP
from tests.support import LiveServer


def test_galaxy_cluster_lifecycle(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_galaxies()
    galaxy = admin.get_galaxy(
        admin.galaxies(pythonify=True)[0].id, withCluster=True, pythonify=True
    )
    existing = galaxy.clusters[0]
    new = MISPGalaxyCluster()
    new.value, new.authors, new.distribution = "Test Cluster", ["MISP"], 1
    new.description = "Example test cluster"
    new = admin.add_galaxy_cluster(galaxy.id, new, pythonify=True)
    assert new.galaxy_id == galaxy.id and new.value == "Test Cluster"
    assert new.tag_name == f'misp-galaxy:{galaxy.type}="{new.uuid}"'
    new.add_cluster_element("synonyms", "Test2")
    new = admin.update_galaxy_cluster(new, pythonify=True)
    assert new.elements_meta == {"synonyms": ["Test2"]}
    new.cluster_elements[0].value = "Test3"
    new = admin.update_galaxy_cluster(new, pythonify=True)
    assert [e.value for e in new.cluster_elements] == ["Test3"]
    new.add_cluster_relation(existing, "is-tested-by")
    new = admin.update_galaxy_cluster(new, pythonify=True)
    relation = new.cluster_relations[0]
    assert relation.referenced_galaxy_cluster_uuid == existing.uuid
    relation.add_tag("tlp:amber")
    new = admin.update_galaxy_cluster(new, pythonify=True)
    relation = new.cluster_relations[0]
    assert [t.name for t in relation.tags] == ["tlp:amber"]
    assert admin.delete_galaxy_cluster_relation(relation)["success"]
    assert admin.get_galaxy_cluster(new, pythonify=True).cluster_relations == []
    assert admin.publish_galaxy_cluster(new)["success"]
    assert admin.delete_galaxy_cluster(new)["success"]
    assert isinstance(admin.get_galaxy_cluster(new, pythonify=True), MISPGalaxyCluster)
    assert admin.delete_galaxy_cluster(new, hard=True)["success"]
    assert "errors" in admin.get_galaxy_cluster(new)


def test_default_clusters_cannot_change(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_galaxies()
    first = admin.galaxies(pythonify=True)[0]
    cluster = admin.get_galaxy(first.id, withCluster=True, pythonify=True).clusters[0]
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        r = http.post(f"/galaxy_clusters/edit/{cluster.id}", json={"value": "x"})
        assert r.status_code == 403
        assert http.get("/galaxy_clusters/view/424242").status_code == 404
        assert http.post("/galaxy_cluster_relations/delete/424242").status_code == 404
        assert http.post("/galaxy_clusters/add/1", json={"value": ""}).status_code == 400


def test_another_organisations_cluster_answers_as_unknown(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_galaxies()
    galaxy = admin.galaxies(pythonify=True)[0]
    org = admin.add_organisation({"name": "OTHER"}, pythonify=True)
    user = {"email": "editor@other.test", "org_id": org.id, "role_id": 3}
    key = admin.add_user(user)["User"]["authkey"]
    own = MISPGalaxyCluster()
    own.value, own.distribution = "Org only", 0
    own = admin.add_galaxy_cluster(galaxy.id, own, pythonify=True)
    headers = {"Authorization": key}
    with httpx.Client(base_url=server.url, headers=headers) as other:
        for path in ("/galaxy_clusters/view/{}", "/galaxy_clusters/delete/{}"):
            method = "GET" if "view" in path else "POST"
            hidden = other.request(method, path.format(own.id))
            absent = other.request(method, path.format(424242))
            assert hidden.status_code == absent.status_code == 404
            assert hidden.json()["message"] == absent.json()["message"]
        listed = other.get(f"/galaxies/view/{galaxy.id}").json()["GalaxyCluster"]
        assert own.uuid not in {c["uuid"] for c in listed}
