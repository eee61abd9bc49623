"""Attribute write semantics as MISP has them, driven by PyMISP, unchanged, on the live
server (SQLite and PostgreSQL): duplicates refused (issue 16 point 10), boolean values
cast (point 12), partial event edits, timestamps bumped on edit."""

from __future__ import annotations

import time
import uuid

import httpx
from pymisp import MISPAttribute, MISPEvent, PyMISP
from tests.support import LiveServer

SIMILAR = "A similar attribute already exists for this event."


def _client(server: LiveServer) -> PyMISP:
    return PyMISP(server.url, server.admin_key, ssl=False, timeout=60)


def _event(misp: PyMISP, *values: str) -> MISPEvent:
    event = MISPEvent()
    event.info = "semantics"
    for v in values:
        event.add_attribute("ip-dst", v)
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _attr(value: str, type_: str = "ip-dst") -> MISPAttribute:
    a = MISPAttribute()
    a.type, a.value = type_, value
    return a


def test_update_event_with_attributes_sent_again_does_not_duplicate(server: LiveServer) -> None:
    """Point 10: a re-synchronised event comes back with the same attributes under new
    UUIDs; MISP drops each one that repeats type, category and value."""
    misp = _client(server)
    event = _event(misp, "192.0.2.1", "192.0.2.2")
    again = MISPEvent()
    again.from_dict(**event.to_dict())
    for a in again.attributes:
        a.uuid = str(uuid.uuid4())
        del a.id
    again.add_attribute("ip-dst", "192.0.2.3")
    updated = misp.update_event(again, event_id=event.id, pythonify=True)
    assert isinstance(updated, MISPEvent), updated
    assert sorted(a.value for a in updated.attributes) == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    # Inside objects the same value may repeat: not touched by the rule.
    obj = updated.add_object(name="domain-ip")
    obj.add_attribute("ip", value="192.0.2.1")
    updated = misp.update_event(updated, pythonify=True)
    assert len(updated.attributes) == 3
    assert updated.objects[0].attributes[0].value == "192.0.2.1"


def test_attributes_add_refuses_similar(server: LiveServer) -> None:
    misp = _client(server)
    event = _event(misp, "192.0.2.1")
    one = misp.add_attribute(event, _attr("192.0.2.1"))
    assert one["errors"][0] == 403
    assert one["errors"][1]["errors"]["value"] == [SIMILAR]
    # A list: the others are saved, the refusals listed by position.
    answer = misp.add_attribute(
        event,
        [_attr("192.0.2.1"), _attr("192.0.2.5"), _attr("192.0.2.5"), _attr("192.0.2.6")],
        pythonify=True,
    )
    assert [a.value for a in answer["attributes"]] == ["192.0.2.5", "192.0.2.6"]
    assert answer["errors"] == {
        "attribute_0": {"value": [SIMILAR]},
        "attribute_2": {"value": [SIMILAR]},
    }
    # A value not valid for its type is an error of its own in a list, as in MISP.
    mixed = misp.add_attribute(
        event, [{"type": "ip-dst", "value": "999.1"}, _attr("192.0.2.7")], pythonify=True
    )
    assert [a.value for a in mixed["attributes"]] == ["192.0.2.7"]
    assert list(mixed["errors"]) == ["attribute_0"]
    assert "999.1" in mixed["errors"]["attribute_0"]["value"][0]
    # breakOnDuplicate:0 updates the attribute repeated (same UUID, newer timestamp).
    before = misp.get_event(event.id, pythonify=True).attributes[0]
    time.sleep(1.1)
    repeat = _attr("192.0.2.1")
    repeat.add_tag("seen-again")
    again = misp.add_attribute(event, repeat, break_on_duplicate=False, pythonify=True)
    assert isinstance(again, MISPAttribute), again
    assert again.uuid == before.uuid
    assert again.timestamp > before.timestamp
    assert [t.name for t in again.tags] == ["seen-again"]
    assert len(misp.get_event(event.id, pythonify=True).attributes) == 4


def test_attributes_add_to_others_event_is_forbidden_as_misp(server: LiveServer) -> None:
    misp = _client(server)
    event = _event(misp, "192.0.2.1")
    org = misp.add_organisation({"name": "OTHER"}, pythonify=True)
    user = misp.add_user({"email": "u@other.test", "org_id": org.id, "role_id": 3})
    other = PyMISP(server.url, user["User"]["authkey"], ssl=False)
    with httpx.Client(base_url=server.url) as http:
        r = http.post(
            f"/attributes/add/{event.id}",
            json={"type": "ip-dst", "value": "192.0.2.9"},
            headers={"Authorization": other.key, "Accept": "application/json"},
        )
    assert r.status_code == 403
    assert r.json()["message"] == "You do not have permission to do that."


def test_boolean_value_is_cast(server: LiveServer) -> None:
    """Point 12: JSON true/false as a value become "1"/"0", the event is not lost."""
    misp = _client(server)
    event = {
        "info": "booleans",
        "Attribute": [
            {"type": "boolean", "value": True},
            {"type": "text", "value": False},
        ],
    }
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    assert [a.value for a in added.attributes] == ["1", "0"]


def test_partial_edit_keeps_the_rest(server: LiveServer) -> None:
    misp = _client(server)
    parent = _event(misp, "192.0.2.1")
    child = _event(misp, "192.0.2.2")
    extended = misp.update_event({"extends_uuid": parent.uuid}, event_id=child.id, pythonify=True)
    assert isinstance(extended, MISPEvent), extended
    assert extended.extends_uuid == parent.uuid
    assert extended.info == "semantics"
    assert [a.value for a in extended.attributes] == ["192.0.2.2"]


def test_edit_stamps_an_attribute_whose_tags_changed(server: LiveServer) -> None:
    misp = _client(server)
    event = _event(misp, "192.0.2.1")
    old = event.attributes[0].timestamp
    time.sleep(1.1)
    event.attributes[0].add_tag("my_tag")
    updated = misp.update_event(event, pythonify=True)
    assert updated.attributes[0].tags[0].name == "my_tag"
    assert updated.attributes[0].timestamp > old
