"""threatmesh.formats.stix: MISP events and attributes to STIX 1 (JSON, XML) and 2.1,
STIX 1 and 2 documents to MISP events, through misp-stix; 400 on what does not convert,
501 naming the extra without misp-stix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threatmesh.formats import stix
from threatmesh.model.errors import InvalidInput, NotInstalled

pytestmark = pytest.mark.skipif(not stix.available(), reason="needs the stix extra")

FIXTURES = Path(__file__).resolve().parents[2] / ".cache" / "pymisp-tests" / "tests"
EVENT_UUID = "5b1c1a0e-0000-4000-8000-000000000001"
PATTERN = (
    "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '8.8.8.8']"
)


def _attribute(**extra: Any) -> dict[str, Any]:
    return {
        "type": "ip-src",
        "category": "Network activity",
        "value": "8.8.8.8",
        "to_ids": True,
        "uuid": "5b1c1a0e-0000-4000-8000-000000000002",
        "timestamp": "1700000000",
        **extra,
    }


def _event() -> dict[str, Any]:
    return {
        "Event": {
            "info": "stix export",
            "uuid": EVENT_UUID,
            "date": "2026-01-01",
            "timestamp": "1700000000",
            "Attribute": [_attribute()],
        }
    }


def test_events_to_stix1_json_relates_one_package_per_event() -> None:
    out = json.loads(stix.events_to_stix1([_event(), _event()["Event"]], xml=False))
    packages = out["related_packages"]["related_packages"]
    assert len(packages) == 2
    incident = packages[0]["package"]["incidents"][0]
    indicator = incident["related_indicators"]["indicators"][0]["indicator"]
    assert indicator["observable"]["object"]["properties"]["address_value"]["value"] == "8.8.8.8"
    assert out["stix_header"]["title"] == "Export from MISP's MISP"


def test_events_to_stix1_xml() -> None:
    out = stix.events_to_stix1([_event()], xml=True).decode()
    assert out.startswith("<stix:STIX_Package")
    assert '<AddressObj:Address_Value condition="Equals">8.8.8.8</AddressObj:Address_Value>' in out


def test_events_to_stix2_bundle_ends_with_the_address_and_its_indicator() -> None:
    bundle = json.loads(stix.events_to_stix2([_event()]))
    assert bundle["type"] == "bundle"
    *_, address, indicator, relationship = bundle["objects"]
    assert address == {**address, "type": "ipv4-addr", "value": "8.8.8.8"}
    assert indicator["pattern"] == PATTERN
    assert relationship["type"] == "relationship"
    grouping = bundle["objects"][0]
    assert grouping["type"] == "grouping" and grouping["id"] == f"grouping--{EVENT_UUID}"


def test_nothing_matched_is_an_empty_bundle() -> None:
    for out in (stix.events_to_stix2([]), stix.attributes_to_stix2([])):
        bundle = json.loads(out)
        assert bundle["type"] == "bundle" and "objects" not in bundle


def test_attributes_to_stix() -> None:
    attribute = _attribute(Event={"info": "x", "uuid": EVENT_UUID, "id": "1", "orgc_id": "1"})
    bundle = json.loads(stix.attributes_to_stix2([attribute]))
    assert [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"] == [PATTERN]
    package = json.loads(stix.attributes_to_stix1([attribute], xml=False))
    observed = package["indicators"][0]["observable"]["object"]["properties"]
    assert observed["address_value"] == {"value": "8.8.8.8", "condition": "Equals"}
    assert (
        "8.8.8.8</AddressObj:Address_Value>"
        in stix.attributes_to_stix1([attribute], xml=True).decode()
    )


def test_wants_xml() -> None:
    assert stix.wants_xml("stix-xml", "application/json")
    assert stix.wants_xml("stix", "application/xml")
    assert not stix.wants_xml("stix", "application/json")
    assert not stix.wants_xml("stix", "")
    assert not stix.wants_xml("stix2", "application/xml")


def test_round_trip_through_stix2_keeps_the_attribute() -> None:
    event = stix.stix2_to_event(stix.events_to_stix2([_event()]))["Event"]
    assert event["uuid"] == EVENT_UUID and event["info"] == "stix export"
    assert [(a["type"], a["value"]) for a in event["Attribute"]] == [("ip-src", "8.8.8.8")]


def test_round_trip_through_stix1_keeps_the_attribute() -> None:
    event = stix.stix1_to_event(stix.events_to_stix1([_event()], xml=True))["Event"]
    assert event["info"] == "stix export"
    assert [(a["type"], a["value"]) for a in event["Attribute"]] == [("ip-src", "8.8.8.8")]


@pytest.mark.parametrize(("name", "convert"), [("stix1.xml-utf8", "1"), ("stix2.json", "2")])
def test_pymisp_fixtures_import(name: str, convert: str) -> None:
    path = FIXTURES / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make pymisp-fixtures` (make test does)")
    to_event = stix.stix1_to_event if convert == "1" else stix.stix2_to_event
    event = to_event(path.read_bytes())["Event"]
    assert event["info"] == "Test Stix"
    assert [a["value"] for a in event["Attribute"]] == ["8.8.8.8"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"nope", "not valid JSON"),
        (b"[]", "not a bundle"),
        (b'{"type": "bundle"}', "no objects"),
        (b'{"type": "bundle", "objects": [{"type": "indicator"}]}', "without an 'id'"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_stix2_is_invalid_input(data: bytes, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        stix.stix2_to_event(data)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"nope", "not valid STIX 1 XML"),
        (b"<a/>", "root element"),
        (b"<stix:STIX_Package xmlns:stix='http://stix.mitre.org/stix-1'/>", "version"),
    ],
)
def test_bad_stix1_is_invalid_input(data: bytes, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        stix.stix1_to_event(data)


def test_stix1_entities_are_not_expanded() -> None:
    """An external entity in the XML is not read (no file, no network)."""
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<stix:STIX_Package xmlns:stix='http://stix.mitre.org/stix-1' version='1.1.1'>"
        b"<stix:STIX_Header><stix:Title>&e;</stix:Title></stix:STIX_Header>"
        b"</stix:STIX_Package>"
    )
    try:
        event = stix.stix1_to_event(xxe)["Event"]
    except InvalidInput:
        return
    assert "root:" not in json.dumps(event)


def test_without_misp_stix_every_entry_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stix, "available", lambda: False)
    calls = [
        lambda: stix.events_to_stix1([_event()], xml=True),
        lambda: stix.attributes_to_stix1([], xml=False),
        lambda: stix.events_to_stix2([_event()]),
        lambda: stix.attributes_to_stix2([]),
        lambda: stix.stix1_to_event(b"<x/>"),
        lambda: stix.stix2_to_event(b'{"type": "bundle", "objects": [{}]}'),
    ]
    for call in calls:
        with pytest.raises(NotInstalled, match="'stix' extra") as caught:
            call()
        assert caught.value.status == 501
