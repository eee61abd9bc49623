"""Galaxies and clusters from pymispgalaxies, as MISP's ``Galaxy::update`` stores them."""

from __future__ import annotations

import pytest

from threatmesh.model.library.galaxies import (
    CLUSTER_DEFAULTS,
    ClusterPackage,
    GalaxyElement,
    cluster_package_from_json,
    cluster_tag_name,
    clusters_to_update,
    galaxies_to_update,
    galaxy_from_json,
    is_galaxy_tag,
    load_cluster_packages,
    load_galaxies,
)


@pytest.fixture(scope="module")
def packages() -> list[ClusterPackage]:
    return list(load_cluster_packages())


def test_shipped_galaxies() -> None:
    galaxies = load_galaxies().items
    assert len(galaxies) == 107
    # The first file (360net.json) becomes galaxy 1 in MISP.
    first = galaxies[0]
    assert (first.name, first.type, first.namespace, first.version) == (
        "360.net Threat Actors",
        "360net-threat-actor",
        "360net",
        1,
    )
    assert len({g.type for g in galaxies}) == len(galaxies)
    assert {g.enabled for g in galaxies} == {True} and {g.local_only for g in galaxies} == {False}


def test_kill_chain_order_is_kept_when_present() -> None:
    attack = next(g for g in load_galaxies().items if g.type == "mitre-attack-pattern")
    assert attack.kill_chain_order is not None
    assert "initial-access" in next(iter(attack.kill_chain_order.values()))


def test_shipped_clusters(packages: list[ClusterPackage]) -> None:
    clusters = [c for p in packages for c in p.clusters]
    assert len(clusters) == 45_495
    assert sum(len(c.elements) for c in clusters) == 296_160
    assert sum(len(c.relations) for c in clusters) == 57_877
    galaxy_types = {g.type for g in load_galaxies().items}
    assert {p.type for p in packages} <= galaxy_types


def test_first_cluster_as_misp_saves_it(packages: list[ClusterPackage]) -> None:
    package = packages[0]
    assert (package.type, len(package.clusters)) == ("360net-threat-actor", 42)
    cluster = package.clusters[0]
    assert cluster.value == "CIA - APT-C-39"
    assert cluster.tag_name == 'misp-galaxy:360net-threat-actor="CIA - APT-C-39"'
    assert cluster.collection_uuid == package.uuid
    # No per-cluster version in the file: the package's version.
    assert cluster.version == package.version
    assert cluster.authors == ("360.net",)
    assert cluster.elements[0] == GalaxyElement("country", "america")


def test_cluster_tag_names() -> None:
    assert cluster_tag_name("threat-actor", "APT 28") == 'misp-galaxy:threat-actor="APT 28"'
    assert is_galaxy_tag('misp-galaxy:threat-actor="APT 28"')
    assert not is_galaxy_tag("tlp:white")


def test_relations_keep_their_tags(packages: list[ClusterPackage]) -> None:
    tagged = next(r for p in packages for c in p.clusters for r in c.relations if r.tags)
    owner = next(c for p in packages for c in p.clusters if tagged in c.relations)
    assert tagged.galaxy_cluster_uuid == owner.uuid
    assert all(isinstance(t, str) and t for t in tagged.tags)


PACKAGE = {
    "name": "Test",
    "type": "test-type",
    "uuid": "11111111-1111-1111-1111-111111111111",
    "version": 4,
    "source": "unit",
    "authors": ["a", "b"],
    "values": [
        {
            "value": "One",
            "uuid": "22222222-2222-2222-2222-222222222222",
            "description": "first",
            "meta": {
                "synonyms": ["Uno", "Eins"],
                "country": "LU",
                "flag": True,
                "score": 1.0,
                "nested": [["skipped"], "kept"],
                "object": {"k1": "v1", "k2": ["skipped"]},
            },
            "related": [{"dest-uuid": "33333333-3333-3333-3333-333333333333", "type": "similar"}],
        },
        {"value": "Two", "uuid": "44444444-4444-4444-4444-444444444444", "version": 9},
        {"value": "", "uuid": "55555555-5555-5555-5555-555555555555"},
    ],
}


def test_meta_is_flattened_as_php_casts_it() -> None:
    one = cluster_package_from_json(PACKAGE).clusters[0]
    assert [(e.key, e.value) for e in one.elements] == [
        ("synonyms", "Uno"),
        ("synonyms", "Eins"),
        ("country", "LU"),
        ("flag", "1"),
        ("score", "1"),
        ("nested", "kept"),
        ("object", "v1"),
    ]
    (relation,) = one.relations
    assert relation.referenced_galaxy_cluster_type == "similar" and relation.tags == ()


def test_versions_descriptions_and_empty_values() -> None:
    package = cluster_package_from_json(PACKAGE)
    one, two = package.clusters  # the empty-valued cluster is skipped
    assert (one.version, two.version) == (4, 9)
    assert (one.description, two.description) == ("first", "")
    assert one.source == "unit" and one.authors == ("a", "b")


def test_a_package_without_version_saves_version_one() -> None:
    package = cluster_package_from_json({**PACKAGE, "version": None})
    assert package.clusters[0].version == 1


def test_cluster_defaults() -> None:
    assert CLUSTER_DEFAULTS["distribution"] == 3 and CLUSTER_DEFAULTS["default"] is True
    assert CLUSTER_DEFAULTS["org_id"] == 0 and CLUSTER_DEFAULTS["published"] is False


def test_galaxy_update_rules() -> None:
    galaxy = galaxy_from_json({"uuid": "u", "name": "G", "type": "t", "version": 3, "icon": "star"})
    assert galaxy.namespace == "misp"
    assert galaxies_to_update((galaxy,), {}) == [galaxy]
    assert galaxies_to_update((galaxy,), {"u": (3, "star")}) == []
    assert galaxies_to_update((galaxy,), {"u": (2, "star")}) == [galaxy]
    assert galaxies_to_update((galaxy,), {"u": (3, "map")}) == [galaxy]
    assert galaxies_to_update((galaxy,), {"u": (3, "star")}, force=True) == [galaxy]


def test_cluster_update_rules_match_by_value() -> None:
    package = cluster_package_from_json(PACKAGE)
    assert clusters_to_update(package, {"One": 4, "Two": 9}) == []
    assert [c.value for c in clusters_to_update(package, {"One": 3, "Two": 9})] == ["One"]
    assert [c.value for c in clusters_to_update(package, {"Two": 9})] == ["One"]
    assert len(clusters_to_update(package, {"One": 4, "Two": 9}, force=True)) == 2


def test_shipped_update_is_a_no_op_once_stored(packages: list[ClusterPackage]) -> None:
    for package in packages[:10]:
        installed = {c.value: c.version for c in package.clusters}
        assert clusters_to_update(package, installed) == []
