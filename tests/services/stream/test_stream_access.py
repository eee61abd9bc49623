"""What the stream gives a subscriber agrees with what the access-controlled reads
(SQL) give the same user: checked by Hypothesis over random distributions, sharing
groups and objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import site_admin
from threatmesh.bus import topics
from threatmesh.model.errors import NotFound
from threatmesh.services.admin import organisations, sharing_groups, users
from threatmesh.services.events import attributes, events, sightings
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import sse as stream
from threatmesh.storage.core.database import create_engine


@dataclass
class Cast:
    platform: Platform
    creator: Identity
    viewers: dict[str, Identity]
    sg: int


def _member(platform: Platform, root: Identity, org: str, role: int) -> tuple[str, str]:
    made = organisations.add_org(platform, root, {"name": org})
    user = users.add_user(
        platform, root, {"email": f"u@{org.lower()}.test", "org_id": made["id"], "role_id": role}
    )
    return str(made["id"]), str(user["User"]["authkey"])


@pytest.fixture
def cast(sqlite_url: str) -> Iterator[Cast]:
    platform = Platform(engine=create_engine(sqlite_url), auth_cache_seconds=0)
    root = site_admin(platform, "ROOT", "r@root.test")
    org_a, key_a = _member(platform, root, "A", 2)  # org admin: adds and publishes
    org_b, key_b = _member(platform, root, "B", 3)
    _, key_c = _member(platform, root, "C", 3)
    group = sharing_groups.add(platform, root, {"name": "A and B"})
    sg = int(group["SharingGroup"]["id"])
    for org in (org_a, org_b):
        sharing_groups.set_member(
            platform, root, {"sg_id": sg, "org_id": org}, kind="org", add=True
        )
    who = {k: platform.identify(key) for k, key in {"a": key_a, "b": key_b, "c": key_c}.items()}
    assert all(who.values())
    viewers = {k: v for k, v in who.items() if v is not None}
    yield Cast(platform, viewers.pop("a"), viewers | {"root": root}, sg)
    platform.engine.dispose()


def _dist(sg: int, levels: range) -> st.SearchStrategy[dict[str, int]]:
    return st.sampled_from(list(levels)).map(
        lambda d: {"distribution": d, "sharing_group_id": sg if d == 4 else 0}
    )


def _values(event: dict[str, Any]) -> set[str]:
    found = {a["value"] for a in event.get("Attribute", [])}
    for obj in event.get("Object", []):
        found |= {a["value"] for a in obj["Attribute"]}
    return found


def _event_body(
    n: int, ev: dict[str, int], attr: dict[str, int], obj: dict[str, int] | None
) -> dict[str, Any]:
    inner = {"type": "domain", "value": f"v{n}.example", **attr}
    body: dict[str, Any] = {"info": f"e{n}", **ev}
    if obj is None:
        body["Attribute"] = [inner]
    else:
        body["Object"] = [
            {"name": "domain-ip", **obj, "Attribute": [{**inner, "object_relation": "domain"}]}
        ]
    return body


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_stream_shows_exactly_what_reads_show(cast: Cast, data: st.DataObject) -> None:
    platform, sg = cast.platform, cast.sg
    ev = data.draw(_dist(sg, range(5)), "event")
    attr = data.draw(_dist(sg, range(6)), "attribute")
    obj = data.draw(st.none() | _dist(sg, range(6)), "object")
    with platform.read() as conn:
        start = stream.outbox.last_id(conn)
    second = data.draw(_dist(sg, range(6)), "second attribute")
    made = events.add_event(platform, cast.creator, _event_body(start, ev, attr, obj))
    (added,) = attributes.add_attributes(
        platform,
        cast.creator,
        made["id"],
        {"type": "domain", "value": f"w{start}.example", **second},
    ).attributes
    sightings.add_sighting(platform, cast.creator, {}, added["uuid"])
    events.set_published(platform, cast.creator, made["id"], True)
    for name, who in cast.viewers.items():
        _, frames, _ = stream.next_frames(platform, who.viewer, start, topics.TOPICS)
        got = {f.topic: f for f in frames}
        try:
            view = events.view_event(platform, who, made["id"])
        except NotFound:
            assert frames == [], f"{name} got notifications of an event it cannot see"
            continue
        expected = {topics.EVENT, topics.MISP_JSON}
        if added["value"] in _values(view):
            expected.add(topics.ATTRIBUTE)
            if sightings.list_sightings(platform, who, "attribute", added["uuid"]):
                expected.add(topics.SIGHTING)
        assert set(got) == expected, name
        published = orjson.loads(got[topics.MISP_JSON].data)["Event"]
        assert _values(published) == _values(view), name
