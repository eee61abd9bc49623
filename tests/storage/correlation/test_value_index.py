"""The value index finds values by a 32-bit key and always checks the value itself."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from tests.support import site_admin
from threatmesh.model.query import Query, Terms
from threatmesh.services.events import attributes, events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core import database
from threatmesh.storage.core.tables import attributes as attribute_table
from threatmesh.storage.core.tables import ip_index
from threatmesh.storage.correlation.value_index import row_keys, value_key
from threatmesh.storage.search import queries as search

# Two values with the same key, found by a birthday search over "<hex>.example.com".
TWINS = ("14e7.example.com", "644f.example.com")


def _root(platform: Platform) -> Identity:
    who = site_admin(platform, "KEYS", "a@keys.test")
    return who


def _add(platform: Platform, who: Identity, info: str, attrs: list[dict[str, Any]]) -> Any:
    made = events.add_event(platform, who, {"info": info, "distribution": 1, "Attribute": attrs})
    return made.get("Event", made)


def _found(platform: Platform, who: Identity, value: str) -> list[str]:
    def render(_conn: Any, rows: list[Any]) -> list[str]:
        return [str(r["value1"]) for r in rows]

    q = Query(value=Terms(any_of=(value,)))
    pages = search.iter_attributes(platform.read, q, who.viewer, render)
    return [v for page in pages for v in page]


def _related(event: Any) -> set[str]:
    return {r["Event"]["info"] for r in event.get("RelatedEvent", [])}


def _stored_keys_hold(platform: Platform) -> int:
    a = attribute_table
    q = sa.select(a.c.value1, a.c.value2, a.c.value1_key, a.c.value2_key)
    with platform.read() as conn:
        rows = conn.execute(q).all()
    for v1, v2, k1, k2 in rows:
        assert row_keys(v1, v2) == {"value1_key": k1, "value2_key": k2}, (v1, v2)
    return len(rows)


def test_keys_are_stable_signed_32_bit_integers() -> None:
    # Keys are stored: a change to the function would orphan every existing row.
    assert value_key("evil.example") == 1650330779
    assert value_key("198.51.100.7") == -955367594
    assert row_keys("a.example", "") == {"value1_key": value_key("a.example"), "value2_key": None}
    assert all(-(2**31) <= value_key(f"v{i}") < 2**31 for i in range(1000))


def test_colliding_values_are_told_apart(platform: Platform) -> None:
    assert value_key(TWINS[0]) == value_key(TWINS[1])
    root = _root(platform)
    _add(platform, root, "first", [{"type": "domain", "value": TWINS[0]}])
    _add(platform, root, "twin", [{"type": "domain", "value": TWINS[1]}])
    third = _add(platform, root, "same", [{"type": "domain", "value": TWINS[0]}])
    assert _found(platform, root, TWINS[0]) == [TWINS[0], TWINS[0]]
    assert _found(platform, root, TWINS[1]) == [TWINS[1]]
    # A general-path search (two terms) too, and correlation: the twin never matches.
    general = Query(value=Terms(any_of=(TWINS[1], "nothing.example")))
    rows = search.iter_attributes(platform.read, general, root.viewer, lambda _c, r: len(r))
    assert sum(rows) == 1
    assert _related(third) == {"first"}


def test_every_write_path_keeps_the_keys(platform: Platform) -> None:
    root = _root(platform)
    event = _add(
        platform,
        root,
        "keys",
        [
            {"type": "domain", "value": "before.example"},
            {"type": "filename|sha256", "value": "a.exe|" + "ab" * 32},
            {"type": "ip-dst|port", "value": "203.0.113.9|443"},
        ],
    )
    first = event["Attribute"][0]
    attributes.edit_attribute(platform, root, str(first["id"]), {"value": "after.example"})
    compound = next(a for a in event["Attribute"] if a["type"] == "filename|sha256")
    edited = {"uuid": compound["uuid"], "type": compound["type"], "value": "b.exe|" + "cd" * 32,
              "timestamp": str(int(compound["timestamp"]) + 10)}  # fmt: skip
    body = {"uuid": event["uuid"], "info": "keys", "Attribute": [edited]}
    events.edit_event(platform, root, str(event["id"]), body)
    assert _stored_keys_hold(platform) == 3
    assert _found(platform, root, "after.example") == ["after.example"]
    assert _found(platform, root, "before.example") == []
    assert _found(platform, root, "cd" * 32) == ["b.exe"]


def test_the_migration_gives_existing_rows_their_keys(platform: Platform) -> None:
    root = _root(platform)
    old = [
        {"type": "domain|ip", "value": "old.example|192.0.2.1"},
        {"type": "ip-src", "value": "198.51.100.0/24"},
    ]
    _add(platform, root, "old", old)
    config = database.alembic_config(platform.engine)
    command.downgrade(config, "0006")  # the keys and their indexes are gone
    with platform.read() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("attributes")}
    assert "value1_key" not in columns
    command.upgrade(config, "head")
    assert _stored_keys_hold(platform) == 2
    assert _found(platform, root, "192.0.2.1") == ["old.example"]
    with platform.read() as conn:
        spans = conn.execute(sa.select(ip_index.c.lo, ip_index.c.hi)).all()
    assert sorted(hi is None for _, hi in spans) == [False, True]  # the /24 keeps its hi
    # Both the exact match and CIDR containment still correlate after the round trip.
    inside = [{"type": "ip-dst", "value": "198.51.100.7"}, {"type": "ip-dst", "value": "192.0.2.1"}]
    assert _related(_add(platform, root, "new", inside)) == {"old"}
    assert len(_add(platform, root, "cidr", [old[1]])["RelatedEvent"]) == 2
