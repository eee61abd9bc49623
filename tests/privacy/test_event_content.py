"""The event digest pins what the event says, not the order or local ids it comes in."""

from __future__ import annotations

import copy
from typing import Any

from threatmesh.privacy.provenance.content import event_digest


def _event() -> dict[str, Any]:
    return {
        "id": "7", "uuid": "e1", "info": "x", "date": "2026-01-01", "published": False,
        "Orgc": {"id": "3", "uuid": "o1"}, "Tag": [{"name": "b"}, {"name": "a"}],
        "Attribute": [
            {"id": "1", "uuid": "a1", "type": "ip-dst", "value": "192.0.2.1", "Tag": []},
            {"id": "2", "uuid": "a2", "type": "domain", "value": "x.example", "Sighting": [1]},
        ],
        "Object": [],
        "RelatedEvent": [{"Event": {"id": "9"}}],
    }  # fmt: skip


def test_order_and_local_data_do_not_matter() -> None:
    base = _event()
    shuffled = copy.deepcopy(base)
    shuffled["Attribute"].reverse()
    shuffled["Tag"].reverse()
    shuffled["id"] = "8"
    shuffled["RelatedEvent"] = []
    shuffled["Attribute"][0]["Sighting"] = []
    assert event_digest(base) == event_digest(shuffled)


def test_content_changes_the_digest() -> None:
    base = _event()
    for change in (
        lambda e: e["Attribute"][0].update(value="192.0.2.2"),
        lambda e: e.update(published=True),
        lambda e: e["Tag"].append({"name": "c"}),
        lambda e: e["Attribute"].pop(),
        lambda e: e["Orgc"].update(uuid="o2"),
    ):
        changed = copy.deepcopy(base)
        change(changed)
        assert event_digest(changed) != event_digest(base)
