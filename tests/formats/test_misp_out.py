"""MISP JSON output of rows: a protected attribute's envelope passed on as its stored
text serialises to exactly the bytes of the parsed envelope."""

from __future__ import annotations

import orjson

from threatmesh.formats import misp_out

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
