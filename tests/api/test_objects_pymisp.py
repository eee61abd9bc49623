"""``objects/view``, ``HEAD objects/view``, ``objects/edit`` and ``objects/restSearch``
driven by PyMISP, unchanged, on the live server (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymisp import MISPEvent, MISPObject, PyMISP
from tests.support import LiveServer


def _client(server: LiveServer) -> PyMISP:
    return PyMISP(server.url, server.admin_key, ssl=False, timeout=60)


def _event_with_object(misp: PyMISP, info: str = "objects") -> MISPEvent:
    event = MISPEvent()
    event.info = info
    event.add_attribute("ip-dst", "192.0.2.1")
    obj = event.add_object(name="domain-ip")
    obj.add_attribute("domain", value="example.org")
    obj.add_attribute("ip", value="192.0.2.10")
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_view_and_exists(server: LiveServer) -> None:
    misp = _client(server)
    event = _event_with_object(misp)
    obj = event.objects[0]
    for ref in (obj.id, obj.uuid):
        got = misp.get_object(ref, pythonify=True)
        assert isinstance(got, MISPObject), got
        assert got.uuid == obj.uuid
        assert [a.value for a in got.attributes] == ["example.org", "192.0.2.10"]
        assert misp.object_exists(ref)
    raw = misp.get_object(obj.id)
    assert raw["Object"]["Event"]["info"] == "objects"
    misp.delete_event(event)
    assert not misp.object_exists(obj.id)
    assert not misp.object_exists(obj.uuid)
    missing = misp.get_object(obj.id)
    assert missing["errors"][0] == 404
    assert missing["errors"][1]["message"] == "Invalid object."


def test_edit_adds_changes_and_soft_deletes_attributes(server: LiveServer) -> None:
    misp = _client(server)
    event = _event_with_object(misp)
    obj = misp.get_object(event.objects[0].id, pythonify=True)
    assert isinstance(obj, MISPObject)
    obj.attributes[0].value = "example.net"
    obj.attributes[1].to_ids = False
    obj.add_attribute("ip", value="192.0.2.11")
    edited = misp.update_object(obj, pythonify=True)
    assert isinstance(edited, MISPObject), edited
    assert [a.value for a in edited.attributes] == ["example.net", "192.0.2.10", "192.0.2.11"]
    assert not edited.attributes[1].to_ids
    assert int(edited.attributes[0].timestamp.timestamp()) >= int(obj.timestamp.timestamp())

    # An attribute left out of the request is soft-deleted, as MISP's deltaMerge does.
    raw = edited.to_dict()
    raw["Attribute"] = raw["Attribute"][:2]
    answer = misp.update_object(raw, object_id=edited.id)
    assert [a["value"] for a in answer["Object"]["Attribute"]] == ["example.net", "192.0.2.10"]
    full = misp.get_event(event.id, deleted=True, pythonify=True)
    assert [a.deleted for a in full.objects[0].attributes] == [False, False, True]

    # first_seen/last_seen and distribution; deleted: true soft-deletes the object.
    now = datetime.now(UTC)
    edited.last_seen = now
    edited.distribution = 0
    edited = misp.update_object(edited, pythonify=True)
    assert edited.last_seen == now
    assert int(edited.distribution) == 0
    edited.deleted = True
    gone = misp.update_object(edited, pythonify=True)
    assert gone.deleted
    assert not misp.get_event(event.id, pythonify=True).objects


def test_edit_unknown_template_and_missing(server: LiveServer) -> None:
    misp = _client(server)
    event = MISPEvent()
    event.info = "custom"
    custom = event.add_object(name="my-own-template")
    custom.add_attribute("thing", value="one", type="text")
    event = misp.add_event(event, pythonify=True)
    obj = event.objects[0]
    obj.add_attribute("other thing", value="two", type="text")
    edited = misp.update_object(obj, pythonify=True)
    assert [a.value for a in edited.attributes] == ["one", "two"]
    answer = misp.update_object(obj, object_id=999999)
    assert answer["errors"][0] == 404


def test_rest_search(server: LiveServer) -> None:
    misp = _client(server)
    event = _event_with_object(misp)
    file_event = MISPEvent()
    file_event.info = "file"
    f = file_event.add_object(name="file")
    f.add_attribute("filename", "foo.exe")
    misp.add_event(file_event)
    found = misp.search(controller="objects", object_name="file", pythonify=True)
    assert [o.attributes[0].value for o in found] == ["foo.exe"]
    by_value = misp.search(controller="objects", value="192.0.2.10")
    assert [o["Object"]["uuid"] for o in by_value] == [event.objects[0].uuid]
    by_event = misp.search(controller="objects", eventid=event.id)
    assert len(by_event) == 1
    assert misp.search(controller="objects", object_name="nothing-like-it") == []


def test_other_organisations_see_what_distribution_allows(server: LiveServer) -> None:
    misp = _client(server)
    event = MISPEvent()
    event.info = "community"
    event.distribution = 1
    obj = event.add_object(name="domain-ip")
    obj.add_attribute("domain", value="shared.example")
    obj.add_attribute("ip", value="192.0.2.20", distribution=0)
    event = misp.add_event(event, pythonify=True)
    org = misp.add_organisation({"name": "READER"}, pythonify=True)
    user = misp.add_user({"email": "r@reader.test", "org_id": org.id, "role_id": 3})
    reader = PyMISP(server.url, user["User"]["authkey"], ssl=False, timeout=60)
    seen = reader.get_object(event.objects[0].id, pythonify=True)
    assert [a.value for a in seen.attributes] == ["shared.example"]
    assert reader.search(controller="objects", value="192.0.2.20") == []
    found = reader.search(controller="objects", value="shared.example", pythonify=True)
    assert [o.uuid for o in found] == [event.objects[0].uuid]
    # Visible is not modifiable: 403 with MISP's message, and nothing changes.
    seen.comment = "taken over"
    answer = reader.update_object(seen)
    assert answer["errors"][0] == 403
    assert answer["errors"][1]["message"] == "Insufficient permissions to edit this object."
    assert misp.get_object(event.objects[0].id, pythonify=True).comment == ""
