"""Revealing an event: the input is never changed, what cannot be opened stays as it came."""

from __future__ import annotations

import copy

from threatmesh.client import envelopes
from threatmesh.privacy.abe import fame


def test_reveal_event_leaves_its_input_and_what_it_cannot_open_alone() -> None:
    pk, msk = fame.setup(6)
    attrs = [
        {"type": "ip-dst", "category": "Network activity", "value": f"10.0.0.{i}"} for i in (1, 2)
    ]
    event = envelopes.protect_event({"info": "x", "Attribute": attrs}, "sector:finance", pk)
    finance = envelopes.protect_attribute(
        {"type": "domain", "category": "Network activity", "value": "bank.example"}, "org:CERT", pk
    )
    event["Attribute"].append(finance)
    event["Object"] = [{"name": "o", "Attribute": [copy.deepcopy(event["Attribute"][0])]}]
    before = copy.deepcopy(event)
    revealed, sealed = envelopes.reveal_event(event, {6: fame.keygen(msk, ["sector:finance"])})
    assert event == before
    assert sealed == 1
    assert [a["value"] for a in revealed["Attribute"][:2]] == ["10.0.0.1", "10.0.0.2"]
    assert all("Protected" not in a for a in revealed["Attribute"][:2])
    assert revealed["Attribute"][0]["protected_policy"] == "sector:finance"
    assert revealed["Attribute"][2] == before["Attribute"][2]  # marker and envelope kept
    assert revealed["Object"][0]["Attribute"][0]["value"] == "10.0.0.1"
    one = envelopes.reveal_attribute(before["Attribute"][1], fame.keygen(msk, ["sector:finance"]))
    assert one == revealed["Attribute"][1] and "Protected" in before["Attribute"][1]
