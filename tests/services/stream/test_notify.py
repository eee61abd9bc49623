"""Every change writes its notification in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import site_admin
from threatmesh.bus.memory import MemoryBus
from threatmesh.model.errors import Conflict, InvalidInput, NotFound, ThreatmeshError
from threatmesh.services.admin import organisations, users
from threatmesh.services.events import attributes, events, objects, sightings, tags
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import notify
from threatmesh.services.stream.relay import Relay
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.stream import outbox

World = tuple[Platform, Identity]


def _world(url: str) -> Iterator[World]:
    platform = Platform(engine=create_engine(url))
    who = site_admin(platform)
    yield platform, who
    platform.engine.dispose()


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from _world(db_url)


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    yield from _world(sqlite_url)


def _notes(platform: Platform, after: int = 0) -> list[tuple[str, str, dict[str, Any]]]:
    with platform.read() as conn:
        rows = conn.execute(
            sa.select(outbox.notifications)
            .where(outbox.notifications.c.id > after)
            .order_by(outbox.notifications.c.id)
        ).mappings()
        return [(r["topic"], r["action"], orjson.loads(r["payload"])) for r in rows]


def _last(platform: Platform) -> int:
    with platform.read() as conn:
        return outbox.last_id(conn)


def test_every_change_is_notified_in_misp_shapes(world: World) -> None:
    platform, who = world
    start = _last(platform)
    ev = events.add_event(
        platform, who, {"info": "n", "Attribute": [{"type": "ip-dst", "value": "192.0.2.9"}]}
    )
    eid = ev["id"]
    events.edit_event(platform, who, eid, {"info": "n2"})
    events.set_published(platform, who, eid, True)
    events.set_published(platform, who, eid, False)
    (attr,) = attributes.add_attributes(
        platform, who, eid, {"type": "domain", "value": "x.example"}
    ).attributes
    attributes.edit_attribute(platform, who, attr["id"], {"comment": "c"})
    tags.attach_tag(platform, who, attr["uuid"], "tlp:green", local=False, attach=True)
    tags.attach_tag(platform, who, ev["uuid"], "tlp:red", local=False, attach=True)
    tags.attach_tag(platform, who, ev["uuid"], "tlp:red", local=False, attach=False)
    sightings.add_sighting(platform, who, {"value": "x.example"}, None)
    obj = objects.add_object(
        platform,
        who,
        eid,
        {
            "name": "domain-ip",
            "Attribute": [{"type": "domain", "object_relation": "domain", "value": "o.example"}],
        },
    )
    objects.delete_object(platform, who, obj["id"], hard=False)
    attributes.delete_attribute(platform, who, attr["id"], hard=True)
    events.delete_event(platform, who, eid)
    notes = _notes(platform, start)
    assert [(t, a) for t, a, _ in notes] == [
        ("misp_json_event", "add"),
        ("misp_json_event", "edit"),
        ("misp_json_event", "publish"),
        ("misp_json", "publish"),
        ("misp_json_event", "unpublish"),
        ("misp_json_attribute", "add"),
        ("misp_json_attribute", "edit"),
        ("misp_json_tag", "attach"),
        ("misp_json_tag", "attach"),
        ("misp_json_tag", "detach"),
        ("misp_json_sighting", "add"),
        ("misp_json_object", "add"),
        ("misp_json_object", "delete"),
        ("misp_json_attribute", "delete"),
        ("misp_json_event", "delete"),
    ]
    by = {(t, a): p for t, a, p in notes}
    assert by["misp_json_event", "edit"]["Event"]["info"] == "n2"
    assert by["misp_json_event", "add"]["action"] == "add"
    published = by["misp_json", "publish"]["Event"]  # the row: the event's own fields
    assert published["published"] is True and "Attribute" not in published
    added = by["misp_json_attribute", "add"]
    assert added["Attribute"]["value"] == "x.example" and added["Event"]["uuid"] == ev["uuid"]
    assert by["misp_json_attribute", "edit"]["Attribute"]["comment"] == "c"
    tag = by["misp_json_tag", "attach"]
    assert tag["Tag"]["name"] == "tlp:red" and "Attribute" not in tag
    assert notes[7][2]["Attribute"]["uuid"] == attr["uuid"]  # the attribute's tag
    sighting = by["misp_json_sighting", "add"]
    assert sighting["Sighting"]["attribute_id"] == attr["id"]
    assert sighting["Attribute"]["value"] == "x.example"
    assert [a["value"] for a in by["misp_json_object", "add"]["Object"]["Attribute"]] == [
        "o.example"
    ]
    assert by["misp_json_event", "delete"]["Event"]["uuid"] == ev["uuid"]


def test_a_failed_write_leaves_no_notification(world: World) -> None:
    platform, who = world
    ev = events.add_event(
        platform, who, {"info": "e", "Attribute": [{"type": "domain", "value": "a.example"}]}
    )
    taken = ev["Attribute"][0]["uuid"]
    before = _last(platform)
    with pytest.raises(InvalidInput), platform.write() as conn:
        notify.event(conn, int(ev["id"]), "edit")  # queued...
        raise InvalidInput("...then the change fails")
    with pytest.raises(Conflict):  # refused inside the transaction
        attributes.add_attributes(
            platform, who, ev["id"], {"type": "domain", "value": "b.example", "uuid": taken}
        )
    assert _last(platform) == before
    events.edit_event(platform, who, ev["id"], {"info": "ok"})  # same pool, clean buffer
    assert [(t, a) for t, a, _ in _notes(platform, before)] == [("misp_json_event", "edit")]


OPS = st.lists(
    st.sampled_from(["add", "add_bad_value", "add_taken_uuid", "sight", "sight_missing", "tag"]),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_notifications_match_committed_changes(sqlite_world: World, ops: list[str]) -> None:
    """Whatever mix of good and failing writes runs, the outbox holds exactly one
    notification per committed change, and each names rows that exist."""
    platform, who = sqlite_world
    ev = events.add_event(
        platform, who, {"info": "h", "Attribute": [{"type": "domain", "value": "t.example"}]}
    )
    taken = ev["Attribute"][0]["uuid"]
    start = _last(platform)
    expected = 0
    for i, op in enumerate(ops):
        value = f"h{i}-{ev['id']}.example"
        try:
            if op == "add":
                attributes.add_attributes(
                    platform, who, ev["id"], {"type": "domain", "value": value}
                )
            elif op == "add_bad_value":
                attributes.add_attributes(
                    platform, who, ev["id"], {"type": "ip-dst", "value": "999.1"}
                )
            elif op == "add_taken_uuid":
                attributes.add_attributes(
                    platform, who, ev["id"], {"type": "domain", "value": value, "uuid": taken}
                )
            elif op in ("sight", "sight_missing"):
                target = f"h0-{ev['id']}.example" if op == "sight" else "never.example"
                sightings.add_sighting(platform, who, {"value": target}, None)
            else:
                tags.attach_tag(platform, who, ev["uuid"], f"t{i}", local=False, attach=True)
            expected += 1
        except (InvalidInput, Conflict, NotFound):
            pass
        except ThreatmeshError:
            raise
    notes = _notes(platform, start)
    assert len(notes) == expected
    with platform.read() as conn:
        present = set(conn.execute(sa.text("SELECT uuid FROM attributes")).scalars())
    for topic, _, payload in notes:
        if topic == "misp_json_attribute":
            assert payload["Attribute"]["uuid"] in present


def test_organisations_and_users_are_notified_without_keys(world: World) -> None:
    platform, who = world
    start = _last(platform)
    org = organisations.add_org(platform, who, {"name": "NEW"})
    organisations.edit_org(platform, who, org["id"], {"description": "d"})
    user = users.add_user(platform, who, {"email": "n@new.test", "org_id": org["id"]})["User"]
    users.delete_user(platform, who, user["id"])
    organisations.delete_org(platform, who, org["id"])
    notes = _notes(platform, start)
    assert [(t, a) for t, a, _ in notes] == [
        ("misp_json_organisation", "add"),
        ("misp_json_organisation", "edit"),
        ("misp_json_user", "add"),
        ("misp_json_user", "delete"),
        ("misp_json_organisation", "delete"),
    ]
    assert notes[1][2]["Organisation"]["name"] == "NEW"
    assert notes[2][2]["User"]["email"] == "n@new.test"
    assert user["authkey"] not in str(notes) and "authkey" not in notes[2][2]["User"]


def test_the_whole_event_is_read_when_misp_json_is_delivered(world: World) -> None:
    platform, who = world
    body = {"info": "w", "Attribute": [{"type": "ip-dst", "value": "192.0.2.7"}]}
    ev = events.add_event(platform, who, body)
    events.set_published(platform, who, ev["id"], True)
    bus = MemoryBus()
    Relay(platform, bus).drain()
    sub = bus.subscribe(topics=["misp_json"])
    (delivery,) = sub.fetch(limit=10, timeout=0)
    whole = orjson.loads(delivery.message.payload)
    assert whole["action"] == "publish" and whole["Event"]["uuid"] == ev["uuid"]
    assert [a["value"] for a in whole["Event"]["Attribute"]] == ["192.0.2.7"]
    events.delete_event(platform, who, ev["id"])
    with platform.read() as conn:
        assert notify.whole_event(conn, ev["uuid"]) is None  # gone: nothing to expand
