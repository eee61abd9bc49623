"""MISP JSON output of rows: a protected attribute's envelope passed on as its stored
text serialises to exactly the bytes of the parsed envelope."""

from __future__ import annotations

from typing import cast

import orjson

from threatmesh.formats import misp_out
from threatmesh.formats.misp_types import EventView

_ENVELOPE = {"v": 1, "policy": "sector:finance", "header": "QUJD", "items": [{"n": "eHl6"}]}


def _row() -> dict[str, object]:
    return {
        "id": 7, "type": "ip-dst", "category": "Network activity", "to_ids": 1,
        "uuid": "5e0b6f3c-0000-4000-8000-000000000007", "event_id": 3, "distribution": 1,
        "timestamp": 1700000000, "comment": "", "sharing_group_id": 0, "deleted": 0,
        "disable_correlation": 0, "object_id": 0, "object_relation": None,
        "first_seen": None, "last_seen": None, "value1": "protected", "value2": "",
        "envelope": orjson.dumps(_ENVELOPE).decode(),
    }  # fmt: skip


def test_envelope_text_serialises_as_the_parsed_envelope() -> None:
    parsed = misp_out.attribute(_row())
    as_text = misp_out.attribute(_row(), envelope_text=True)
    assert parsed["Protected"] == _ENVELOPE
    assert isinstance(as_text["Protected"], orjson.Fragment)
    assert orjson.dumps(as_text) == orjson.dumps(parsed)


def test_a_clear_attribute_has_no_protected_field_either_way() -> None:
    row = _row() | {"envelope": None}
    assert "Protected" not in misp_out.attribute(row, envelope_text=True)


def _group_row(kind: str | None, member: int = 0) -> dict[str, object]:
    return {
        "id": 2, "name": "SG", "uuid": "u-2", "description": "", "releasability": "r",
        "org_id": 1, "owner_name": "OWNER", "owner_uuid": "o-1", "active": 1, "created": 5,
        "modified": 6, "local": 1, "roaming": 0, "kind": kind, "member_id": member,
        "flag": 1, "member_name": "M" if kind == "org" else None,
        "member_uuid": "m-u" if kind == "org" else None,
    }  # fmt: skip


def test_sharing_groups_gather_their_members_and_attach_where_used() -> None:
    rows = [_group_row("org", 9), _group_row("server", 0)]
    groups = misp_out.sharing_groups(rows) | misp_out.sharing_groups([_group_row(None) | {"id": 3}])
    assert [m["org_id"] for m in groups["2"]["SharingGroupOrg"]] == ["9"]
    assert groups["2"]["SharingGroupServer"][0]["all_orgs"] is True
    assert groups["3"]["SharingGroupOrg"] == groups["3"]["SharingGroupServer"] == []
    used = {"distribution": "4", "sharing_group_id": "2"}
    inherit = {"distribution": "5", "sharing_group_id": "2"}  # a stale id: no group
    unread = {"distribution": "4", "sharing_group_id": "7"}  # not readable: left out
    obj = {**used, "Attribute": [dict(unread)]}
    view = cast(EventView, {**used, "Attribute": [dict(inherit)], "Object": [obj]})
    assert misp_out.sharing_group_ids(view) == {2, 7}
    misp_out.attach_sharing_groups(view, groups)
    assert view["SharingGroup"]["name"] == view["Object"][0]["SharingGroup"]["name"] == "SG"
    assert "SharingGroup" not in view["Attribute"][0]
    assert "SharingGroup" not in view["Object"][0]["Attribute"][0]
