"""Issue 14 (items 3 and 5), end to end on two live instances: a policy bound to a
peer governs everything that leaves for it, whether A pushes or B pulls; a protected
value leaves as the policy's rule for protected values says; and an event that
cannot be sent is recorded with its reason and skipped, the others still arrive, and
it is tried again later, after the rest."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.services.sync.federation import Instance, Pair, pair
from tests.support import database_url

POLICIES = Path(__file__).resolve().parents[3] / "docs" / "policies"
VICTIM_IP, VICTIM_MAIL, VICTIM_HOST = "198.51.100.23", "soc@bank.example", "vpn.bank.example"
SECRETS = (VICTIM_IP, VICTIM_MAIL, VICTIM_HOST, "bank.example")
#: A shape-valid CP-ABE envelope (the server checks the shape only; it cannot open it).
ENVELOPE: dict[str, Any] = {
    "v": 1,
    "scheme": "fame-bls12-381",
    "epoch": 2,
    "policy": "org:CERT",
    "abe": "VE1GMQ==",
    "nonce": "AAAAAAAAAAAAAAAA",
    "body": "A" * 24,
}
#: A rule no ``ip-dst|port`` value survives: the port becomes a label, which is not a
#: valid port, so the anonymizer refuses the event (a real misconfiguration).
PORT_LABELS = {
    "name": "ports",
    "match": {"kinds": ["port"]},
    "technique": "generalise_port",
    "params": {"style": "label"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """A pushes to B, B pulls from A, on SQLite and on PostgreSQL."""
    with ExitStack() as stack:
        urls = tuple(stack.enter_context(database_url(request.param, tmp_path / n)) for n in "ab")
        yield stack.enter_context(pair(urls, tmp_path))  # type: ignore[arg-type]


def later(inst: Instance, seconds: int) -> None:
    """Run the instance's clock ``seconds`` ahead of the wall clock."""
    inst.srv.platform.clock = lambda: time.time() + seconds


def peer_policy(*extra_rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """docs/policies/strict.yaml named "peer-b", with ``extra_rules`` first."""
    doc: dict[str, Any] = yaml.safe_load((POLICIES / "strict.yaml").read_text())
    return {**doc, **fields, "name": "peer-b", "rules": [*extra_rules, *doc["rules"]]}


def bind_to_b(two: Pair, policy: dict[str, Any]) -> None:
    """Store ``policy`` on A and bind it to A's connection to B (kind "server")."""
    two.a.call("POST", "/anonymizer/policies", policy)
    binding = {"kind": "server", "ident": two.a_to_b, "policy": policy["name"]}
    two.a.call("POST", "/anonymizer/bindings", binding)


def event(inst: Instance, info: str, *extra: dict[str, Any]) -> dict[str, Any]:
    """A published distribution-3 event naming a victim (and ``extra`` attributes)."""
    attrs = [
        {"type": "ip-src", "value": VICTIM_IP, "comment": f"victim {VICTIM_IP}"},
        {"type": "email-dst", "value": VICTIM_MAIL},
        {"type": "hostname", "value": VICTIM_HOST},
        {"type": "sha256", "value": uuid.uuid4().hex * 2},
        *extra,
    ]
    body = {
        "info": f"{info}: {VICTIM_HOST} hit",
        "distribution": 3,
        "published": True,
        "Attribute": [{**a, "uuid": str(uuid.uuid4())} for a in attrs],
    }
    return dict(inst.call("POST", "/events/add", body)["Event"])


def values(ev: dict[str, Any], type_: str) -> list[str]:
    return [a["value"] for a in ev["Attribute"] if a["type"] == type_]


def anonymized_copy(inst: Instance, original: dict[str, Any]) -> dict[str, Any]:
    """``inst``'s copy of ``original``, checked to hold none of the victim's data."""
    copy = inst.event(original["uuid"])
    assert copy is not None, f"{original['info']} did not reach {inst.name}"
    for secret in SECRETS:
        assert secret not in str(copy), f"{secret} reached {inst.name}"
    # An indicator that is not personal data travels as it is.
    assert values(copy, "sha256") == values(original, "sha256")
    return copy


def failures(inst: Instance, ref: str = "") -> list[dict[str, Any]]:
    path = f"/servers/syncFailures/{ref}" if ref else "/servers/syncFailures"
    return [f["SyncFailure"] for f in inst.call("GET", path)]


def test_a_policy_bound_to_a_peer_applies_to_its_pushes_and_its_pulls(two: Pair) -> None:
    bind_to_b(two, peer_policy())
    pushed = event(two.a, "pushed")
    assert two.push()["added"] == 1
    by_push = anonymized_copy(two.b, pushed)

    pulled = event(two.a, "pulled")
    summary = two.pull()
    assert (summary["added"], summary["failed"]) == (1, 0), summary
    by_pull = anonymized_copy(two.b, pulled)
    # One policy, one set of keys: the pulled copy carries the pushed copy's pseudonyms,
    # and is exactly what A's export for that peer gives.
    assert values(by_pull, "ip-src") == values(by_push, "ip-src") != [VICTIM_IP]
    export = two.a.call(
        "POST",
        f"/anonymizer/export/{pulled['id']}",
        {"recipient": {"kind": "server", "ident": two.a_to_b}},
    )["Event"]
    assert values(export, "ip-src") == values(by_pull, "ip-src")
    assert values(export, "email-dst") == values(by_pull, "email-dst")

    # A later pull of a changed event does not put the originals over B's copy. (The
    # policy cuts timestamps to the hour, the event's own included: only a change in a
    # later hour is newer for B.)
    later(two.a, 7200)
    two.a.call("POST", f"/events/edit/{pushed['uuid']}", {"info": "edited", "published": True})
    summary = two.pull()
    assert (summary["updated"], summary["failed"]) == (1, 0), summary
    updated = anonymized_copy(two.b, pushed)
    assert updated["info"] == "edited"
    assert values(updated, "ip-src") == values(by_push, "ip-src")


def test_a_protected_value_leaves_as_the_policy_says(two: Pair) -> None:
    bind_to_b(two, peer_policy())
    sealed = {"type": "ip-dst", "category": "Network activity", "Protected": ENVELOPE}
    comment = {"comment": f"sealed, seen from {VICTIM_IP}"}
    pushed = event(two.a, "sealed, pushed", sealed | comment)
    summary = two.push()
    assert (summary["added"], summary["failed"]) == (1, 0), summary
    pulled = event(two.a, "sealed, pulled", sealed | comment)
    summary = two.pull()
    assert (summary["added"], summary["failed"]) == (1, 0), summary
    for original in (pushed, pulled):
        copy = anonymized_copy(two.b, original)
        # The default rule: no technique can read a sealed value, so it stays home.
        assert values(copy, "ip-dst") == []
        assert "protected:" not in str(copy) and "Protected" not in str(copy)
        assert values(copy, "ip-src") and values(copy, "email-dst")

    # A policy that passes protected values lets the envelope leave untouched, for
    # the readers its own CP-ABE policy names; its clear comment is still redacted.
    two.a.call("PUT", "/anonymizer/policies/peer-b", peer_policy(protected_values="pass"))
    later(two.a, 7200)  # a later hour: newer for B once timestamps are cut to the hour
    two.a.call("POST", f"/events/edit/{pushed['uuid']}", {"info": "resent", "published": True})
    summary = two.push()
    assert summary["failed"] == 0, summary
    copy = anonymized_copy(two.b, pushed)
    (attr,) = [a for a in copy["Attribute"] if a["type"] == "ip-dst"]
    assert attr["value"].startswith("protected:")
    assert {k: attr["Protected"][k] for k in ("policy", "abe", "nonce", "body")} == {
        k: ENVELOPE[k] for k in ("policy", "abe", "nonce", "body")
    }
    assert VICTIM_IP not in attr["comment"]


def test_an_event_that_cannot_be_pushed_is_skipped_reported_and_retried(two: Pair) -> None:
    bind_to_b(two, peer_policy(PORT_LABELS))
    failing = event(two.a, "port", {"type": "ip-dst|port", "value": "203.0.113.9|443"})
    later(two.a, 2)
    after = event(two.a, "after the failing one")
    summary = two.push()
    assert (summary["added"], summary["failed"]) == (1, 1), summary
    assert "rules[0] 'ports'" in summary["failures"][failing["uuid"]]
    assert two.b.event(failing["uuid"]) is None
    anonymized_copy(two.b, after)
    (recorded,) = failures(two.a, two.a_to_b)
    assert (recorded["direction"], recorded["event_uuid"], recorded["attempts"]) == (
        "push",
        failing["uuid"],
        1,
    )
    assert "rules[0] 'ports'" in recorded["reason"]

    # Not due yet: the next run does not try it again.
    summary = two.push()
    assert (summary["added"], summary["failed"]) == (0, 0), summary
    assert failures(two.a)[0]["attempts"] == 1

    # The policy is fixed; once the backoff has passed, the event goes: after the
    # events that changed since (never ahead of them).
    two.a.call("PUT", "/anonymizer/policies/peer-b", peer_policy())
    later(two.a, 3600)
    newer = event(two.a, "newer")
    summary = two.push()
    assert (summary["added"], summary["failed"]) == (2, 0), summary
    retried, fresh = anonymized_copy(two.b, failing), anonymized_copy(two.b, newer)
    assert int(fresh["id"]) < int(retried["id"])
    assert failures(two.a) == []


def test_an_event_that_cannot_be_served_is_left_out_of_the_pull(two: Pair) -> None:
    bind_to_b(two, peer_policy(PORT_LABELS))
    failing = event(two.a, "port", {"type": "ip-dst|port", "value": "203.0.113.9|443"})
    later(two.a, 2)
    after = [event(two.a, f"after {i}") for i in range(3)]
    summary = two.pull()
    assert (summary["added"], summary["failed"]) == (3, 1), summary
    assert failing["uuid"] in summary["failures"]
    assert two.b.event(failing["uuid"]) is None
    for ev in after:
        anonymized_copy(two.b, ev)
    # A's admin sees which event could not be served, to whom, and why.
    (served,) = failures(two.a)
    assert (served["direction"], served["event_uuid"]) == ("serve", failing["uuid"])
    assert served["recipient"] == f"server {two.a_to_b}"
    assert "rules[0] 'ports'" in served["reason"]
    # B remembers it and fetches it again once its backoff has passed.
    (remembered,) = failures(two.b, two.b_from_a)
    assert (remembered["direction"], remembered["event_uuid"]) == ("pull", failing["uuid"])

    two.a.call("PUT", "/anonymizer/policies/peer-b", peer_policy())
    later(two.b, 3600)
    summary = two.pull()
    assert (summary["added"], summary["failed"]) == (1, 0), summary
    anonymized_copy(two.b, failing)
    assert failures(two.b) == []
    assert failures(two.a) == []  # served since: A forgets the failure


def test_a_server_and_an_organisation_binding_both_apply(two: Pair) -> None:
    bind_to_b(two, peer_policy())
    # A second policy, bound to B's organisation: host names of the bank stay home.
    # Its rule matches the original value, which the server policy alone would only
    # have pseudonymised.
    org_policy = {
        "name": "org-b",
        "rules": [
            {
                "name": "bank hosts",
                "match": {"types": ["hostname"], "value_regex": r"bank\.example$"},
                "technique": "suppress",
            }
        ],
    }
    two.a.call("POST", "/anonymizer/policies", org_policy)
    binding = {"kind": "organisation", "ident": two.b.org_uuid, "policy": "org-b"}
    two.a.call("POST", "/anonymizer/bindings", binding)
    pushed = event(two.a, "pushed")
    assert two.push()["added"] == 1
    pulled = event(two.a, "pulled")
    assert two.pull()["added"] == 1
    alone = two.a.call(
        "POST", "/anonymizer/anonymize", {"event_id": pulled["id"], "policy": "peer-b"}
    )
    assert values(alone["Event"], "hostname")  # the server policy alone keeps a pseudonym
    for original in (pushed, pulled):
        copy = anonymized_copy(two.b, original)
        assert values(copy, "hostname") == []  # the organisation's policy suppressed it
        assert values(copy, "ip-src") == values(alone["Event"], "ip-src")  # Crypto-PAn'd


def test_push_rules_are_checked_before_any_privacy_budget_is_spent(two: Pair) -> None:
    """Issue 15: an event the push rules skip spends none of the peer's budget."""
    counted = {
        "name": "counted",
        "default_budget": 1.0,
        "rules": [
            {
                "match": {"paths": ["Event.attribute_count"]},
                "technique": "noise",
                "params": {"epsilon": 0.25},
            }
        ],
    }
    bind_to_b(two, counted)
    rules = {"tags": {"OR": ["tlp:green"], "NOT": []}, "orgs": {"OR": [], "NOT": []}}
    two.a.call("POST", f"/servers/edit/{two.a_to_b}", {"push_rules": rules})
    skipped = [event(two.a, f"untagged {i}") for i in range(3)]
    body = {"info": "tagged", "distribution": 3, "published": True, "Tag": [{"name": "tlp:green"}],
            "Attribute": [{"type": "domain", "value": "tagged.example"}]}  # fmt: skip
    tagged = two.a.call("POST", "/events/add", body)["Event"]
    summary = two.push()
    assert (summary["added"], summary["failed"]) == (1, 0), summary
    assert two.b.event(tagged["uuid"]) is not None
    assert all(two.b.event(e["uuid"]) is None for e in skipped)
    budget = two.a.call("GET", f"/anonymizer/budgets/server/{two.a_to_b}")
    assert budget["epsilon_spent"] == pytest.approx(0.25)
