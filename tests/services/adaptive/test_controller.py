"""What the controller reads in stream notifications, and the agent's backend options."""

from __future__ import annotations

import pytest

from threatmesh.model.errors import InvalidInput
from threatmesh.services.adaptive.controller import intelligence_of_frame
from threatmesh.services.adaptive.policies import backend_options


def test_backend_options() -> None:
    assert backend_options(["host=10.0.0.5", "port=2222", "trust_unknown_host=true"]) == {
        "host": "10.0.0.5", "port": 2222, "trust_unknown_host": True,
    }  # fmt: skip
    with pytest.raises(InvalidInput, match="KEY=VALUE"):
        backend_options(["=x"])


def test_intelligence_of_stream_frames() -> None:
    added = {"Attribute": {"type": "vulnerability", "value": "CVE-2021-44228"},
             "Event": {"threat_level_id": "1", "uuid": "x"}, "action": "add"}  # fmt: skip
    (intel,) = intelligence_of_frame("misp_json_attribute", added)
    assert (intel.cve, intel.threat_level) == ("CVE-2021-44228", 1)
    assert intelligence_of_frame("misp_json_attribute", {**added, "action": "delete"}) == []
    other = {**added, "Attribute": {"type": "ip-dst", "value": "192.0.2.1"}}
    assert intelligence_of_frame("misp_json_attribute", other) == []
    assert intelligence_of_frame("misp_json_sighting", added) == []
