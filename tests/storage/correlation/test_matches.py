"""Correlation rules (MISP's), computed on read, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from tests.support import site_admin
from threatmesh.services.events import attributes, events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core import database
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.core.tables import ip_network_sizes
from threatmesh.storage.correlation import matches as correlation
from threatmesh.storage.schema import metadata


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Platform, Identity]]:
    platform = Platform(engine=create_engine(db_url), correlation_cap=3)
    who = site_admin(platform)
    yield platform, who
    platform.engine.dispose()


def _event(platform: Platform, who: Identity, *attrs: dict[str, Any], **fields: Any) -> str:
    body = {"info": "e", "distribution": 1, "Attribute": list(attrs), **fields}
    return str(events.add_event(platform, who, body)["id"])


def _related(platform: Platform, who: Identity, event_id: str) -> set[str]:
    view = events.view_event(platform, who, event_id)
    return {r["Event"]["id"] for r in view["RelatedEvent"]}


def test_exact_and_compound_values_correlate(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    a = _event(platform, who, {"type": "filename|sha256", "value": "x.exe|" + "a" * 64})
    b = _event(platform, who, {"type": "sha256", "value": "a" * 64})
    c = _event(platform, who, {"type": "filename", "value": "x.exe"})
    assert _related(platform, who, a) == {b, c}
    assert _related(platform, who, b) == {a}


def test_rules_that_stop_correlation(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    a = _event(
        platform,
        who,
        {"type": "comment", "value": "same text"},
        {"type": "ip-dst|port", "value": "192.0.2.1|8080"},
        {"type": "domain", "value": "quiet.example", "disable_correlation": True},
    )
    b = _event(
        platform,
        who,
        {"type": "comment", "value": "same text"},
        {"type": "ip-dst|port", "value": "192.0.2.2|8080"},
        {"type": "domain", "value": "quiet.example"},
    )
    c = _event(platform, who, {"type": "domain", "value": "off.example"}, disable_correlation=True)
    d = _event(platform, who, {"type": "domain", "value": "off.example"})
    assert _related(platform, who, a) == set()
    assert _related(platform, who, b) == set()
    assert _related(platform, who, c) == set() and _related(platform, who, d) == set()


@pytest.mark.parametrize("few_networks", [5_000, 0], ids=["read-all", "probe-prefixes"])
def test_cidr_containment(
    world: tuple[Platform, Identity], few_networks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of finding the networks that contain an address give the same answer."""
    monkeypatch.setattr(correlation, "_FEW_NETWORKS", few_networks)
    platform, who = world
    net = _event(platform, who, {"type": "ip-src", "value": "10.1.0.0/16"})
    inside = _event(platform, who, {"type": "ip-dst", "value": "10.1.200.3"})
    outside = _event(platform, who, {"type": "ip-dst", "value": "10.2.0.1"})
    v6net = _event(platform, who, {"type": "ip-dst", "value": "2001:db8::/32"})
    v6 = _event(platform, who, {"type": "ip-src|port", "value": "2001:db8::1|443"})
    assert _related(platform, who, net) == {inside}
    assert _related(platform, who, inside) == {net}
    assert _related(platform, who, outside) == set()
    assert _related(platform, who, v6) == {v6net}


def test_an_address_among_many_networks_probes_instead_of_reading_them_all(
    world: tuple[Platform, Identity], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more stored networks than the probes one address needs (one per stored
    network size), the networks that may contain it are probed for, not all read."""
    platform, who = world
    nets = _event(
        platform, who, *({"type": "ip-dst", "value": f"10.{i}.0.0/16"} for i in range(200))
    )
    considered: list[int] = []
    by_host_bits = correlation._by_host_bits

    def spy(spans: Any) -> correlation.Networks:
        spans = list(spans)
        considered.append(len(spans))
        return by_host_bits(spans)

    monkeypatch.setattr(correlation, "_by_host_bits", spy)
    inside = _event(platform, who, {"type": "ip-src", "value": "10.150.3.4"})
    assert _related(platform, who, inside) == {nets}
    # Only the network starting at the address's prefix of the one stored size (/16)
    # was read, once for the add and once for the view.
    assert considered == [1, 1]


def test_the_network_sizes_migration_records_the_stored_networks(
    world: tuple[Platform, Identity],
) -> None:
    """Migration 0008 gives networks stored before it their sizes: containment still
    finds them afterwards (without their size no address would be probed for them)."""
    platform, who = world
    net = _event(platform, who, {"type": "ip-src", "value": "198.51.100.0/24"})
    _event(platform, who, {"type": "ip-dst", "value": "2001:db8::/48"})
    config = database.alembic_config(platform.engine)
    command.downgrade(config, "0007")
    command.upgrade(config, "head")
    with platform.read() as conn:
        sizes = conn.execute(sa.select(ip_network_sizes.c.host_bits)).scalars().all()
    assert sorted(sizes) == [8, 80]  # a /24 and a /48
    inside = _event(platform, who, {"type": "ip-dst", "value": "198.51.100.77"})
    assert _related(platform, who, inside) == {net}


def test_an_address_edited_into_a_network_contains_addresses(
    world: tuple[Platform, Identity],
) -> None:
    """The first network of its size, written by an attribute edit, is found too."""
    platform, who = world
    edited = _event(platform, who, {"type": "ip-src", "value": "192.0.2.1"})
    attr_id = events.view_event(platform, who, edited)["Attribute"][0]["id"]
    attributes.edit_attribute(platform, who, attr_id, {"value": "10.9.0.0/16"})
    inside = _event(platform, who, {"type": "ip-dst", "value": "10.9.8.7"})
    assert _related(platform, who, inside) == {edited}


def test_over_correlating_values_are_capped(world: tuple[Platform, Identity]) -> None:
    platform, who = world  # cap = 3 attributes per value
    few = [_event(platform, who, {"type": "domain", "value": "rare.example"}) for _ in range(3)]
    many = [_event(platform, who, {"type": "domain", "value": "common.example"}) for _ in range(4)]
    assert _related(platform, who, few[0]) == set(few[1:])
    assert _related(platform, who, many[0]) == set()


def test_the_cap_counts_both_parts_of_compound_values(world: tuple[Platform, Identity]) -> None:
    platform, who = world  # cap = 3: carriers in value1 and in value2 add up
    md5 = "9e107d9d372bb6826bd81d3542a419d6"
    compound = {"type": "filename|md5", "value": f"a.exe|{md5}"}
    at_cap = [_event(platform, who, {"type": "md5", "value": md5}), _event(platform, who, compound)]
    at_cap.append(_event(platform, who, compound))
    assert _related(platform, who, at_cap[0]) == set(at_cap[1:])
    _event(platform, who, {"type": "md5", "value": md5})  # a fourth carrier: over the cap
    assert _related(platform, who, at_cap[0]) == set()


def test_over_correlating_values_are_found_by_capped_counts(
    world: tuple[Platform, Identity],
) -> None:
    platform, who = world  # cap = 3
    md5 = "0cc175b9c0f1b6a831c399e269772661"
    for _ in range(3):
        _event(platform, who, {"type": "domain", "value": "three.example"})
    for _ in range(7):
        _event(platform, who, {"type": "domain", "value": "seven.example"})
    _event(platform, who, {"type": "md5", "value": md5})
    for _ in range(3):  # 1 + 3: over the cap only because value2 carriers count too
        _event(platform, who, {"type": "filename|md5", "value": f"b.exe|{md5}"})
    for _ in range(5):  # a non-correlating type never counts
        _event(platform, who, {"type": "comment", "value": "three.example"})
    wanted = ["three.example", "seven.example", md5, "b.exe", "absent.example"]
    with platform.read() as conn:
        assert correlation.over_correlating(conn, wanted, 3) == {"seven.example", md5}
        assert correlation.over_correlating(conn, wanted, 7) == set()
        assert correlation.over_correlating(conn, wanted, 2) == {
            "three.example",
            "seven.example",
            md5,
            "b.exe",
        }


def test_deleted_attributes_do_not_correlate(world: tuple[Platform, Identity]) -> None:
    platform, who = world
    a = _event(platform, who, {"type": "domain", "value": "gone.example"})
    b = _event(platform, who, {"type": "domain", "value": "gone.example"})
    assert _related(platform, who, a) == {b}
    attr = events.view_event(platform, who, b)["Attribute"][0]["id"]
    attributes.delete_attribute(platform, who, attr, hard=False)
    assert _related(platform, who, a) == set()


def test_no_table_grows_with_pairs(world: tuple[Platform, Identity]) -> None:
    """Ten events sharing one value: correlation storage stays one row per value."""
    platform, who = world
    platform.correlation_cap = 100

    def counts() -> dict[str, int]:
        with platform.engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables
                if t.name != "notifications"  # the outbox: one row per change, not per pair
            }

    # What set-up seeded (MISP's default feeds, roles...) is not correlation storage.
    before = counts()
    for _ in range(10):
        _event(platform, who, {"type": "ip-dst", "value": "192.0.2.77"})
    grown = {name: n - before[name] for name, n in counts().items()}
    assert grown["attributes"] == 10 and grown["ip_index"] == 10
    assert max(grown.values()) <= 10  # nothing holds the 45 pairs
