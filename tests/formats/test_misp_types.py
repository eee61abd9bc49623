"""The one view builder (``misp_out.event_content`` and ``event_view``) builds exactly
the keys its types (``formats.misp_types``) declare: every required key, no undeclared
one; and it places attributes and references where they belong."""

from __future__ import annotations

from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.misp_types import (
    AttributeView,
    EventView,
    ObjectView,
    ReferenceView,
    TagView,
)

_UUID = "5e0b6f3c-0000-4000-8000-0000000000{:02d}"


def _attribute_row(i: int, event_id: int, object_id: int = 0) -> dict[str, Any]:
    return {
        "id": i, "type": "ip-dst", "category": "Network activity", "to_ids": 1,
        "uuid": _UUID.format(i), "event_id": event_id, "distribution": 5, "timestamp": 1,
        "comment": "", "sharing_group_id": 0, "deleted": 0, "disable_correlation": 0,
        "object_id": object_id, "object_relation": "ip" if object_id else None,
        "first_seen": None, "last_seen": 1_700_000_000_000_000, "value1": f"10.0.0.{i}",
        "value2": "", "envelope": None,
    }  # fmt: skip


def _object_row(i: int, event_id: int) -> dict[str, Any]:
    return {
        "id": i, "name": "domain-ip", "meta_category": "network", "description": "",
        "template_uuid": _UUID.format(90), "template_version": "1", "event_id": event_id,
        "uuid": _UUID.format(50 + i), "timestamp": 1, "distribution": 5,
        "sharing_group_id": 0, "comment": "", "deleted": 0, "first_seen": None,
        "last_seen": None,
    }  # fmt: skip


def _reference_row(i: int, object_id: int, event_id: int) -> dict[str, Any]:
    return {
        "id": i, "uuid": _UUID.format(70 + i), "timestamp": 1, "object_id": object_id,
        "event_id": event_id, "source_uuid": _UUID.format(50 + object_id),
        "referenced_uuid": _UUID.format(1), "referenced_id": 1, "referenced_type": 0,
        "relationship_type": "related-to", "comment": "", "deleted": 0,
    }  # fmt: skip


def _event_row(i: int) -> dict[str, Any]:
    org = {"id": 1, "name": "ORG", "uuid": _UUID.format(99), "local": 1}
    return {
        "id": i, "orgc_id": 1, "org_id": 1, "date": "2026-12-05", "threat_level_id": 4,
        "info": "x", "published": 0, "uuid": _UUID.format(80 + i), "attribute_count": 2,
        "analysis": 0, "timestamp": 1, "distribution": 1, "proposal_email_lock": 0,
        "locked": 0, "publish_timestamp": 0, "sharing_group_id": 0,
        "disable_correlation": 0, "extends_uuid": "", "sighting_timestamp": 0,
        **{f"org_{k}": v for k, v in org.items() if k != "id"},
        **{f"orgc_{k}": v for k, v in org.items() if k != "id"},
    }  # fmt: skip


_TAG: TagView = misp_out.tag(
    {"tag_id": 3, "name": "tlp:clear", "colour": "#fff", "exportable": 1, "user_id": 0,
     "hide_tag": 0, "numerical_value": None, "is_galaxy": 0, "is_custom_galaxy": 0,
     "local_only": 0, "local": 0}
)  # fmt: skip


def _keys_fit(built: Any, declared: Any) -> None:
    assert declared.__required_keys__ <= built.keys(), declared.__required_keys__ - built.keys()
    assert built.keys() <= declared.__required_keys__ | declared.__optional_keys__


def test_a_page_of_events_is_built_with_the_declared_keys_only() -> None:
    attrs = [_attribute_row(1, 1), _attribute_row(2, 1, object_id=1), _attribute_row(3, 2)]
    content = misp_out.event_content(
        attrs, [_object_row(1, 1)], [_reference_row(1, 1, 1)], {1: [_TAG]}, {}
    )
    events = [misp_out.event_view(_event_row(i), content, [_TAG], []) for i in (1, 2)]
    one, two = events
    for event in events:
        _keys_fit(event, EventView)
        for attribute in event["Attribute"]:
            _keys_fit(attribute, AttributeView)
    [obj] = one["Object"]
    _keys_fit(obj, ObjectView)
    _keys_fit(obj["ObjectReference"][0], ReferenceView)
    _keys_fit(one["Tag"][0], TagView)
    assert [a["id"] for a in one["Attribute"]] == ["1"]
    assert [a["id"] for a in obj["Attribute"]] == ["2"]
    assert [a["id"] for a in two["Attribute"]] == ["3"]
    assert two["Object"] == []
    assert one["Attribute"][0]["Tag"] == [_TAG]
    assert two["Attribute"][0]["Tag"] == [] and two["Attribute"][0]["Sighting"] == []


def test_metadata_leaves_content_out_and_no_sightings_leaves_the_key_out() -> None:
    content = misp_out.event_content([_attribute_row(1, 1)], [], [], {}, None)
    assert "Sighting" not in content[0][1][0]
    meta = misp_out.event_view(_event_row(1), None, [], [])
    _keys_fit(meta, EventView)
    assert "Attribute" not in meta and "Object" not in meta


def test_references_of_objects_not_shown_are_left_out() -> None:
    content = misp_out.event_content([], [_object_row(1, 1)], [_reference_row(1, 2, 1)], {}, None)
    assert content[1][1][0]["ObjectReference"] == []
