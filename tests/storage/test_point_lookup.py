"""The IOC-lookup fast path of attributes/restSearch selects what the general path does."""

from __future__ import annotations

import dataclasses
from typing import Any

from threatmesh.model.query import Query, Terms
from threatmesh.services import admin, attributes, events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage import search

VALUES = ("198.51.100.7", "evil.example", "44d88612fea8a8f36de82e1278abb02f", "443")


def _world(platform: Platform) -> tuple[Identity, Identity]:
    key = admin.bootstrap(platform, org_name="LOOKUP-ADMIN", email="a@lookup.test")
    root = platform.identify(key)
    assert root is not None
    other = admin.add_org(platform, root, {"name": "LOOKUP-OTHER"})
    user = admin.add_user(platform, root, {"email": "u@lookup.test", "org_id": other["id"]})
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


def _ids(platform: Platform, who: Identity, q: Query) -> list[str]:
    def render(_conn: Any, rows: list[Any]) -> list[int]:
        return [int(r["id"]) for r in rows]

    pages = search.iter_attributes(platform.read, q, who.viewer, render)
    return [str(i) for page in pages for i in page]


def test_fast_path_equals_general_path(platform: Platform) -> None:
    root, reader = _world(platform)
    for who in (root, reader):
        for value in (*VALUES, "nothing.example"):
            point = Query(value=Terms(any_of=(value,)))
            general = dataclasses.replace(point, value=Terms(any_of=(value, value)))
            assert search.point_value(point) == value and search.point_value(general) is None
            assert _ids(platform, who, point) == _ids(platform, who, general), (who, value)
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
