"""Issue 4 end to end: what A pushes to B leaves through the recipient's anonymizer
policy, arrives anonymized, and still correlates on B with another event anonymized
under the same policy. The original stays only on A; C, which pulls from B, sees only
B's anonymized copy."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.services.sync.federation import Federation, federation

POLICIES = Path(__file__).resolve().parents[3] / "docs" / "policies"
VICTIM_IP, VICTIM_MAIL, C2 = "198.51.100.23", "soc@bank.example", "203.0.113.80"
VICTIM_HOST = "vpn.bank.example"


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Federation]:
    """A -> B (push) and B -> C (C pulls), on SQLite."""
    urls = tuple(f"sqlite:///{tmp_path / n}.db" for n in "abc")
    with federation(urls, tmp_path) as f:  # type: ignore[arg-type]
        yield f


def _published_event(fed: Federation, info: str, distribution: int) -> dict[str, Any]:
    attrs = [
        {"type": "ip-src", "value": VICTIM_IP, "comment": f"victim {VICTIM_IP} ({VICTIM_MAIL})"},
        {"type": "email-dst", "value": VICTIM_MAIL},
        {"type": "hostname", "value": VICTIM_HOST},
        {"type": "ip-dst", "value": C2},
        # A different hash per event: what the events share is only what the policy
        # anonymized, so a correlation on B proves the pseudonyms are consistent.
        {"type": "sha256", "value": uuid.uuid4().hex * 2},
    ]
    body = {
        "info": f"{info}: {VICTIM_HOST} hit",
        "distribution": distribution,
        "published": True,
        "Attribute": [{**a, "uuid": str(uuid.uuid4())} for a in attrs],
    }
    return dict(fed.a.call("POST", "/events/add", body)["Event"])


def _values(event: dict[str, Any], type_: str) -> list[str]:
    return [a["value"] for a in event["Attribute"] if a["type"] == type_]


def _bind_strict_policy(fed: Federation) -> None:
    policy = yaml.safe_load((POLICIES / "strict.yaml").read_text())
    fed.a.call("POST", "/anonymizer/policies", policy)
    binding = {"kind": "server", "ident": fed.a_to_b, "policy": "strict"}
    fed.a.call("POST", "/anonymizer/bindings", binding)


def test_a_push_leaves_anonymized_and_correlates_on_the_receiver(fed: Federation) -> None:
    _bind_strict_policy(fed)
    first = _published_event(fed, "Intrusion at the bank", 3)
    second = _published_event(fed, "Second wave", 3)
    pushed, pulled = fed.sync()
    assert pushed and pulled

    on_b = [fed.b.event(e["uuid"]) for e in (first, second)]
    assert all(e is not None for e in on_b)
    b1, b2 = on_b[0], on_b[1]
    assert b1 is not None and b2 is not None
    for copy in (b1, b2):
        text = str(copy)
        for secret in (VICTIM_IP, VICTIM_MAIL, VICTIM_HOST, "bank.example"):
            assert secret not in text, f"{secret} reached B"
    # An indicator that is not personal data (a hash) travels as it is.
    assert _values(b1, "sha256") == _values(first, "sha256")
    # Same policy, same keys: both copies carry the same pseudonyms ...
    assert _values(b1, "ip-src") == _values(b2, "ip-src") != [VICTIM_IP]
    assert _values(b1, "email-dst") == _values(b2, "email-dst") != [VICTIM_MAIL]
    # ... so the two events correlate on B.
    assert {r["Event"]["uuid"] for r in b1["RelatedEvent"]} == {second["uuid"]}
    # What B received is what the export hook gives for the same recipient.
    export = fed.a.call(
        "POST",
        f"/anonymizer/export/{first['id']}",
        {"recipient": {"kind": "server", "ident": fed.a_to_b}},
    )["Event"]
    assert sorted(_values(export, "ip-src")) == sorted(_values(b1, "ip-src"))

    # The original stays at its owner.
    original = fed.a.event(first["uuid"])
    assert original is not None and _values(original, "ip-src") == [VICTIM_IP]
    # C pulls from B and sees B's copy, never the original.
    on_c = fed.c.event(first["uuid"])
    assert on_c is not None and VICTIM_IP not in str(on_c)
    assert _values(on_c, "ip-src") == _values(b1, "ip-src")


def test_without_a_binding_the_push_is_unchanged(fed: Federation) -> None:
    event = _published_event(fed, "Shared as is", 3)
    fed.sync()
    copy = fed.b.event(event["uuid"])
    assert copy is not None and _values(copy, "ip-src") == [VICTIM_IP]


def test_an_edit_within_the_hour_reaches_the_peer_under_strict(fed: Federation) -> None:
    """strict cuts times of observation to the hour but keeps the modification
    timestamps sync compares: an edit a minute after the first push is newer for B."""
    hour = (int(time.time()) // 3600 - 2) * 3600  # a whole hour, fixed for the test
    fed.a.srv.platform.clock = lambda: hour + 60.0
    _bind_strict_policy(fed)
    first = _published_event(fed, "Intrusion at the bank", 3)
    # Another C2 address than the event's own: the same type, category and value again
    # would be refused as a similar attribute (MISP's rule).
    second_c2 = "203.0.113.81"
    seen = {"type": "ip-dst", "value": second_c2, "first_seen": f"{hour + 61}",
            "uuid": str(uuid.uuid4())}  # fmt: skip
    fed.a.call("POST", f"/attributes/add/{first['uuid']}", seen)
    fed.a.call("POST", f"/events/publish/{first['uuid']}")
    fed.sync()
    copy = fed.b.event(first["uuid"])
    assert copy is not None

    fed.a.srv.platform.clock = lambda: hour + 120.0
    fed.a.call(
        "POST", f"/events/edit/{first['uuid']}", {"info": "A second look", "published": True}
    )
    fed.sync()
    edited = fed.b.event(first["uuid"])
    assert edited is not None and edited["info"] == "A second look"
    assert int(edited["timestamp"]) == hour + 120
    # The time of observation still leaves cut to the hour.
    (attr,) = [a for a in edited["Attribute"] if a["uuid"] == seen["uuid"]]
    first_seen = dt.datetime.fromisoformat(attr["first_seen"])
    assert first_seen.timestamp() == hour, attr["first_seen"]
    assert VICTIM_IP not in str(edited)
