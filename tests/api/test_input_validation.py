"""Values the issue-14 review found accepted but invalid, through the live server on SQLite
and PostgreSQL, sent as users send them (PyMISP) and raw (httpx).

Each refusal is a 400 whose message names the field, and writes nothing. Where MISP
itself accepts a value the review doubted, threatmesh accepts it too (see
docs/api.md, "Validation"); tests/model/test_validation_misp.py holds the value rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pymisp import MISPAttribute, MISPEvent, MISPObject, PyMISP
from tests.support import LiveServer

Json = dict[str, Any]
TABLES = (
    "events", "attributes", "objects", "object_references", "tags", "event_tags",
    "attribute_tags", "sightings", "organisations", "sharing_groups",
)  # fmt: skip
COUNT = sa.text("SELECT " + ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in TABLES))


def _http(srv: LiveServer) -> httpx.Client:
    headers = {"Authorization": srv.admin_key, "Accept": "application/json"}
    return httpx.Client(base_url=srv.url, headers=headers, timeout=60)


def _misp(srv: LiveServer, key: str | None = None) -> PyMISP:
    return PyMISP(srv.url, key or srv.admin_key, ssl=False, timeout=60)


@contextmanager
def _nothing_written(srv: LiveServer) -> Iterator[None]:
    def counts() -> dict[str, int]:
        with srv.platform.engine.connect() as conn:
            return dict(conn.execute(COUNT).mappings().one())

    before = counts()
    yield
    assert counts() == before


def _refused(result: Any, *needles: str) -> None:
    """PyMISP's answer to a 400: ``{"errors": (400, body)}``; the message names the field."""
    assert isinstance(result, dict) and "errors" in result, result
    status, body = result["errors"]
    assert status == 400, body
    for needle in needles:
        assert needle in body["message"], (needle, body["message"])


def _event(srv: LiveServer, **fields: Any) -> MISPEvent:
    event = MISPEvent()
    event.from_dict(info="validation", **fields)
    created = _misp(srv).add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent), created
    return created


# --- values MISP refuses, and what MISP would not refuse but must not be stored ------------


def test_malware_sample_with_a_bad_md5_is_refused(server: LiveServer) -> None:
    event = MISPEvent()
    event.info = "bad sample"
    event.add_attribute("malware-sample", "x.exe|zz")
    with _nothing_written(server):
        _refused(_misp(server).add_event(event), "Event.Attribute[0].value", "x.exe|zz", "MD5")


def test_last_seen_before_first_seen_is_refused(server: LiveServer) -> None:
    """MISP's validateLastSeenValue, on attributes and on objects."""
    created = _event(server)
    misp = _misp(server)
    attribute = MISPAttribute()
    attribute.from_dict(type="ip-dst", value="192.0.2.7")
    attribute.first_seen = datetime.fromisoformat("2024-01-02T00:00:00+00:00")
    attribute.last_seen = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
    obj = MISPObject("domain-ip", standalone=False)
    obj.add_attribute("ip", value="192.0.2.8")
    obj.first_seen = attribute.first_seen
    obj.last_seen = attribute.last_seen
    with _nothing_written(server):
        _refused(misp.add_attribute(created, attribute), "Attribute.last_seen", "first_seen")
        _refused(misp.add_object(created, obj), "Object.last_seen", "first_seen")
    attribute.last_seen = attribute.first_seen  # equal is fine
    assert isinstance(misp.add_attribute(created, attribute, pythonify=True), MISPAttribute)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"timestamp": -5}, "Event.timestamp: -5 is before 1970"),
        ({"publish_timestamp": -1}, "Event.publish_timestamp: -1 is before 1970"),
        ({"Attribute": [{"type": "text", "value": "x", "timestamp": -1}]}, "[0].timestamp"),
        ({"extends_uuid": "zzz"}, "Event.extends_uuid: 'zzz' is not a UUID"),
        (
            {"Object": [{"name": "custom", "template_uuid": "zzz", "Attribute": [
                {"type": "text", "object_relation": "t", "value": "x"}]}]},
            "Event.Object[0].template_uuid: 'zzz' is not a UUID",
        ),
        (
            {"Object": [{"name": "custom", "template_version": "v2", "Attribute": [
                {"type": "text", "object_relation": "t", "value": "x"}]}]},
            "Event.Object[0].template_version",
        ),
        ({"Tag": [{"name": "red", "colour": "red"}]}, "Event.Tag[0].colour"),
    ],
    ids=["negative", "negative-publish", "negative-attribute", "extends", "template-uuid",
         "template-version", "colour"],
)  # fmt: skip
def test_invalid_event_fields_are_refused(server: LiveServer, fields: Json, needle: str) -> None:
    with _nothing_written(server), _http(server) as http:
        res = http.post("/events/add", json={"Event": {"info": "x", **fields}})
    assert res.status_code == 400, res.text
    assert needle in res.json()["message"]


def test_extends_uuid_by_id_names_only_a_visible_event(server: LiveServer) -> None:
    """MISP takes an event id in extends_uuid and stores that event's UUID. An id the user
    may not see is refused exactly like an id that does not exist."""
    base = _event(server)
    with _http(server) as http:
        org = http.post("/admin/organisations/add", json={"name": "Other"}).json()
        user = {"email": "u@other.test", "org_id": org["Organisation"]["id"], "role_id": 3}
        key = http.post("/admin/users/add", json=user).json()["User"]["authkey"]
        hidden = http.post("/events/add", json={"info": "org only", "distribution": 0})
    other = _misp(server, key)
    extension = MISPEvent()
    extension.info = "extends by id"
    extension.extends_uuid = base.id
    created = other.add_event(extension, pythonify=True)  # base is community-visible
    assert created.extends_uuid == base.uuid
    missing = MISPEvent()
    missing.info = "extends nothing"
    missing.extends_uuid = "999999"
    invisible = MISPEvent()
    invisible.info = "extends a hidden event"
    invisible.extends_uuid = hidden.json()["Event"]["id"]
    with _nothing_written(server):
        _refused(other.add_event(missing), "Event.extends_uuid: no event with id 999999")
        answer = other.add_event(invisible)
        _refused(answer, "Event.extends_uuid: no event with id")
    assert answer["errors"][1]["message"].replace(invisible.extends_uuid, "N") == (
        "Event.extends_uuid: no event with id N"
    )


def test_objects_with_an_unknown_template_are_accepted(server: LiveServer) -> None:
    """MISP's objects/add checks an object against its template when it knows it, and
    saves it as sent otherwise (ObjectsController::add, MispObject::saveObject)."""
    created = _event(server)
    obj = MISPObject("no-such-template", strict=False, standalone=False)
    obj.add_attribute("note", value="custom", type="text")
    obj.template_uuid = str(uuid.uuid4())
    obj.template_version = "3"
    added = _misp(server).add_object(created, obj, pythonify=True)
    assert isinstance(added, MISPObject), added
    assert (added.name, added.template_uuid, added.template_version) == (
        "no-such-template",
        obj.template_uuid,
        "3",
    )


# --- tag names: MISP's tags.name is a varchar(255) ---------------------------------------


def test_tag_names_longer_than_misps_column_are_refused(server: LiveServer) -> None:
    """A 10 MB tag name was stored on SQLite (and tags/index then sent it to everyone)."""
    created = _event(server)
    misp = _misp(server)
    huge = "x" * 10_000_000
    with _nothing_written(server), _http(server) as http:
        _refused(misp.tag(created, huge), "tag: longer than 255 characters")
        res = http.post(
            f"/events/edit/{created.id}", json={"Event": {"info": "x", "Tag": ["y" * 256]}}
        )
        assert res.status_code == 400 and "Event.Tag[0]" in res.json()["message"], res.text
        res = http.post("/tags/add", json={"Tag": {"name": "z" * 256}})
        assert res.status_code == 400 and "Tag.name" in res.json()["message"], res.text
        assert len(http.get("/tags/index").content) < 10_000
    assert misp.tag(created, "t" * 255).get("saved") is True  # the largest MISP stores


# --- NUL characters: PostgreSQL cannot store them, so no write path takes them -------------

NUL = "a\u0000b"


def _nul_cases(ids: dict[str, str]) -> list[tuple[str, Json, str]]:
    """(path, body, the field the message names) for every write path."""
    attr = {"type": "text", "value": "v"}
    obj = {"name": "custom", "Attribute": [{**attr, "object_relation": "r"}]}
    return [
        ("/events/add", {"Event": {"info": NUL}}, "Event.info"),
        ("/events/add", {"Event": {"info": "i", "Attribute": [{**attr, "comment": NUL}]}},
         "Event.Attribute[0].comment"),
        (f"/events/edit/{ids['event']}", {"Event": {"info": "i", "Tag": [{"name": NUL}]}},
         "Event.Tag[0].name"),
        (f"/attributes/add/{ids['event']}", {**attr, "category": NUL}, "category"),
        (f"/attributes/edit/{ids['attribute']}", {"comment": NUL}, "comment"),
        (f"/objects/add/{ids['event']}", {"Object": {**obj, "description": NUL}},
         "Object.description"),
        ("/tags/add", {"Tag": {"name": NUL}}, "Tag.name"),
        ("/tags/attachTagToObject", {"uuid": ids["event_uuid"], "tag": NUL}, "tag"),
        (f"/sightings/add/{ids['attribute']}", {"source": NUL}, "source"),
        ("/admin/organisations/add", {"name": NUL}, "name"),
        ("/sharing_groups/add", {"SharingGroup": {"name": NUL}}, "SharingGroup.name"),
        ("/events/add", {"info": "i", "bad\u0000key": 1}, "'bad\\x00key' (a field name)"),
    ]  # fmt: skip


def test_nul_characters_are_refused_on_every_write_path(server: LiveServer) -> None:
    """SQLite stored them, PostgreSQL refused them with a message naming no field."""
    created = _event(server, Attribute=[{"type": "text", "value": "target"}])
    ids = {
        "event": str(created.id),
        "event_uuid": str(created.uuid),
        "attribute": str(created.attributes[0].id),
    }
    with _nothing_written(server), _http(server) as http:
        for path, body, field in _nul_cases(ids):
            res = http.post(path, json=body)
            assert res.status_code == 400, (path, res.text)
            assert res.json()["message"] == f"{field}: NUL characters are not allowed", path
    event = MISPEvent()
    event.info = "nul via PyMISP"
    event.add_attribute("comment", "before\u0000after")
    with _nothing_written(server):
        # PyMISP sends the event bare: the path is the one in the body it sent.
        _refused(_misp(server).add_event(event), "Attribute[0].value: NUL characters")
