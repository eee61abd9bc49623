"""The IOC-lookup fast path of attributes/restSearch selects what the general path does."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from tests.support import site_admin
from threatmesh.model.errors import ThreatmeshError
from threatmesh.model.query import Query, Terms
from threatmesh.services.admin import organisations, users
from threatmesh.services.events import attributes, events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.failures import ValueNotStorable
from threatmesh.storage.search import queries as search

VALUES = ("198.51.100.7", "evil.example", "44d88612fea8a8f36de82e1278abb02f", "443")


def _world(platform: Platform) -> tuple[Identity, Identity]:
    root = site_admin(platform, "LOOKUP-ADMIN", "a@lookup.test")
    other = organisations.add_org(platform, root, {"name": "LOOKUP-OTHER"})
    user = users.add_user(platform, root, {"email": "u@lookup.test", "org_id": other["id"]})
    reader = platform.identify(str(user["User"]["authkey"]))
    assert reader is not None
    for dist in (0, 1, 3):
        attrs: list[dict[str, Any]] = [
            {"type": "ip-dst", "value": VALUES[0], "distribution": 5},
            {"type": "ip-dst", "value": VALUES[0], "distribution": 0},
            {"type": "domain|ip", "value": f"{VALUES[1]}|{VALUES[0]}"},
            {"type": "md5", "value": VALUES[2]},
            {"type": "ip-dst|port", "value": f"203.0.113.9|{VALUES[3]}"},
        ]
        made = events.add_event(platform, root, {"info": f"d{dist}", "distribution": dist,
                                                 "Attribute": attrs})  # fmt: skip
        event = made.get("Event", made)
        gone = next(a["id"] for a in event["Attribute"] if a["type"] == "md5")
        attributes.delete_attribute(platform, root, str(gone), hard=False)  # soft-deleted
    return root, reader


def _ids(platform: Platform, who: Identity, q: Query, *, lookup: bool = False) -> list[str]:
    def render(_conn: Any, rows: Sequence[Any]) -> list[int]:
        return [int(r["id"]) for r in rows]

    factory = platform.lookup if lookup else None
    pages = search.iter_attributes(platform.read, q, who.viewer, render, lookup=factory)
    return [str(i) for page in pages for i in page]


def _rows(platform: Platform, who: Identity, q: Query, *, lookup: bool) -> list[dict[str, Any]]:
    def render(_conn: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
        return [dict(r) for r in rows]

    factory = platform.lookup if lookup else None
    pages = search.iter_attributes(platform.read, q, who.viewer, render, lookup=factory)
    return [row for page in pages for row in page]


def test_fast_path_equals_general_path(platform: Platform) -> None:
    root, reader = _world(platform)
    for who in (root, reader):
        for value in (*VALUES, "nothing.example"):
            point = Query(value=Terms(any_of=(value,)))
            general = dataclasses.replace(point, value=Terms(any_of=(value, value)))
            assert search.point_value(point) == value and search.point_value(general) is None
            expected = _ids(platform, who, general)
            assert _ids(platform, who, point) == expected, (who, value)
            assert _ids(platform, who, point, lookup=True) == expected, (who, value)
    # Sanity: the reader sees less than the site admin, and deleted rows stay out.
    assert len(_ids(platform, reader, Query(value=Terms(any_of=(VALUES[0],))))) < len(
        _ids(platform, root, Query(value=Terms(any_of=(VALUES[0],))))
    )
    assert _ids(platform, root, Query(value=Terms(any_of=(VALUES[2],)))) == []


def test_other_filters_take_the_general_path() -> None:
    one = Terms(any_of=("x",))
    for q in (
        Query(value=one, type=Terms(any_of=("ip-dst",))),
        Query(value=one, limit=5),
        Query(value=one, deleted="both"),
        Query(value=one, to_ids=True),
        Query(value=Terms(any_of=("a%",))),
        Query(value=Terms(any_of=("a|b",))),
        Query(value=Terms(none_of=("x",))),
    ):
        assert search.point_value(q) is None, q
    assert search.point_value(Query(value=one, include_correlations=True)) == "x"


def test_fast_path_rows_equal_general_path_rows(platform: Platform) -> None:
    """Column for column and value for value, whichever connection and driver path."""
    root, reader = _world(platform)
    for who in (root, reader):
        for value in VALUES:
            point = Query(value=Terms(any_of=(value,)))
            general = dataclasses.replace(point, value=Terms(any_of=(value, value)))
            expected = _rows(platform, who, general, lookup=False)
            for lookup in (False, True):
                got = _rows(platform, who, point, lookup=lookup)
                assert got == expected, (who, value, lookup)
                assert [list(r) for r in got] == [list(r) for r in expected]


def test_lookup_pool_uses_generic_plans_and_is_disposed_with_the_engine(
    platform: Platform,
) -> None:
    with platform.lookup() as conn:
        mode = (
            conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
            if (conn.dialect.name == "postgresql")
            else None
        )
    if mode is None:  # SQLite: the lookup connections are the ordinary ones
        return
    assert mode == "force_generic_plan"
    with platform.read() as conn:  # and only there
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "auto"
    lookup = platform._lookup_engine
    assert lookup.pool.checkedin() == 1
    platform.engine.dispose()
    assert lookup.pool.checkedin() == 0


def test_fast_path_fails_as_the_general_path(platform: Platform) -> None:
    """A value the database rejects (NUL on PostgreSQL) raises the same error on the
    driver-level fast path as on the general path (a domain error, as every database
    error leaving a unit of work), so the API's 400 still holds."""
    root, _reader = _world(platform)
    point = Query(value=Terms(any_of=("evil\x00.example",)))
    general = dataclasses.replace(point, value=Terms(any_of=point.value.any_of * 2))

    def outcome(q: Query, *, lookup: bool) -> object:
        try:
            return _ids(platform, root, q, lookup=lookup)
        except ThreatmeshError as exc:
            return type(exc)

    expected = outcome(general, lookup=False)
    assert outcome(point, lookup=False) == expected
    assert outcome(point, lookup=True) == expected
    if platform.engine.dialect.name == "postgresql":
        assert expected is ValueNotStorable
    with platform.lookup() as conn:  # the pool's connection is still usable afterwards
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
