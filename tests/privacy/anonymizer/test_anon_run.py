"""One run under several policies (the stricter combination), protected values, and
techniques that fail on a value: what leaves, and what the errors say."""

from __future__ import annotations

import random
from typing import Any

import pytest

from threatmesh.privacy.anonymizer import (
    Context,
    Keys,
    Layer,
    PolicyError,
    TechniqueMismatch,
    anonymize_event,
    anonymize_event_under,
    compile_policy,
)

KEYS = Keys(pseudonym=b"p" * 32, cryptopan=bytes(range(32)))
OTHER_KEYS = Keys(pseudonym=b"q" * 32, cryptopan=bytes(range(1, 33)))
ENVELOPE = {"v": 1, "scheme": "fame-bls12-381", "epoch": 1, "policy": "org:CERT"}


def ctx(keys: Keys = KEYS) -> Context:
    return Context(keys=keys, rng=random.Random(7))


def policy(name: str, *rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "rules": list(rules), **fields}


def attr(type_: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "value": value, **extra}


def values(event: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in event["Attribute"]:
        out.setdefault(a["type"], []).append(a["value"])
    return out


def both(
    first: dict[str, Any], second: dict[str, Any], event: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    layers = [
        Layer(compile_policy(first), ctx(KEYS)),
        Layer(compile_policy(second), ctx(OTHER_KEYS)),
    ]
    return anonymize_event_under(layers, event)


CRYPTOPAN = {"name": "ips", "match": {"kinds": ["ip"]}, "technique": "cryptopan"}
NAMES = {"name": "names", "match": {"kinds": ["email", "hostname"]}, "technique": "pseudonymise"}


def test_a_protected_value_is_suppressed_unless_the_policy_passes_it() -> None:
    sealed = attr("ip-dst", "protected:0f3c", Protected=ENVELOPE, comment="seen at 192.0.2.7")
    marker_only = attr("ip-dst", "protected:" + "ab" * 16)  # a copy that lost its envelope
    event = {"info": "x", "Attribute": [sealed, marker_only, attr("ip-src", "192.0.2.7")]}
    out, report = anonymize_event(event, policy("p", CRYPTOPAN), ctx())
    assert list(values(out)) == ["ip-src"]
    assert report.by_rule()["protected_values"] == {"changed": 0, "suppressed": 2}

    out, _ = anonymize_event(event, policy("p", CRYPTOPAN, protected_values="pass"), ctx())
    kept = [a for a in out["Attribute"] if a["type"] == "ip-dst"]
    assert [a["value"] for a in kept] == [sealed["value"], marker_only["value"]]
    assert kept[0]["Protected"] == ENVELOPE
    # Its clear fields still follow the rules: the address in the comment is redacted
    # with the same Crypto-PAn output as the structured address.
    free_text = {"name": "text", "match": {"kinds": ["text"]}, "technique": "redact"}
    out, _ = anonymize_event(
        event, policy("p", CRYPTOPAN, free_text, protected_values="pass"), ctx()
    )
    (cp,) = values(out)["ip-src"]
    assert out["Attribute"][0]["comment"] == f"seen at {cp}"


def test_the_rule_for_protected_values_is_validated() -> None:
    with pytest.raises(
        PolicyError, match=r"protected_values: Input should be 'suppress' or 'pass'"
    ):
        compile_policy(policy("p", protected_values="decrypt"))
    assert compile_policy(policy("p")).policy.protected_values == "suppress"


def test_a_technique_that_fails_on_a_value_names_the_rule_and_the_field() -> None:
    event = {"info": "x", "Attribute": [attr("ip-src", "192.0.2.1"), attr("ip-src", "not-an-ip")]}
    with pytest.raises(TechniqueMismatch) as caught:
        anonymize_event(event, policy("p", CRYPTOPAN), ctx())
    assert caught.value.message.startswith(
        "rules[0] 'ips': technique 'cryptopan' could not process Event.Attribute[1].value: "
        "ValueError:"
    )


def test_a_field_either_policy_suppresses_does_not_leave() -> None:
    suppress_mail = {"match": {"kinds": ["email"]}, "technique": "suppress"}
    event = {"info": "x", "Attribute": [attr("email-src", "a@b.example"), attr("md5", "a" * 32)]}
    suppressing, pseudonymising = policy("s", suppress_mail), policy("n", NAMES)
    for first, second in ((suppressing, pseudonymising), (pseudonymising, suppressing)):
        out, _ = both(first, second, event)
        assert values(out) == {"md5": ["a" * 32]}


def test_each_policy_matches_the_original_value() -> None:
    # The second policy's regex is about the original host name; the first policy has
    # already pseudonymised it by the time the second runs, yet it still applies.
    bank = {"match": {"types": ["hostname"], "value_regex": r"bank\.example$"}}
    event = {
        "info": "x",
        "Attribute": [attr("hostname", "vpn.bank.example"), attr("hostname", "c2.example")],
    }
    out, _ = both(policy("n", NAMES), policy("b", bank | {"technique": "suppress"}), event)
    (left,) = values(out)["hostname"]
    assert left.endswith(".invalid") and left != "c2.example"


def test_techniques_of_both_policies_apply_in_turn_each_with_its_own_keys() -> None:
    cut = {"match": {"kinds": ["ip"]}, "technique": "generalise_ip", "params": {"ipv4_prefix": 16}}
    event = {"info": "x", "Attribute": [attr("ip-src", "192.0.2.77")]}
    out, report = both(policy("cut", cut), policy("pan", CRYPTOPAN), event)
    # Crypto-PAn (second policy's keys) of the /16 the first policy left.
    alone, _ = anonymize_event(
        {"info": "x", "Attribute": [attr("ip-src", "192.0.0.0/16")]},
        policy("pan", CRYPTOPAN),
        ctx(OTHER_KEYS),
    )
    assert values(out) == values(alone)
    assert [c.rule for c in report.changes] == ["cut: rules[0]", "pan: rules[0] 'ips'"]


def test_unmatched_attributes_are_dropped_if_either_policy_drops_them() -> None:
    event = {"info": "x", "Attribute": [attr("ip-src", "192.0.2.1"), attr("md5", "a" * 32)]}
    out, _ = both(policy("pan", CRYPTOPAN), policy("names", NAMES), event)
    assert set(values(out)) == {"ip-src", "md5"}
    out, _ = both(policy("pan", CRYPTOPAN), policy("d", NAMES, unmatched_attributes="drop"), event)
    assert values(out) == {}
    drop_but_ips = policy("d", CRYPTOPAN, unmatched_attributes="drop")
    out, _ = both(drop_but_ips, policy("names", NAMES), event)
    assert set(values(out)) == {"ip-src"}


def test_the_noise_of_both_policies_is_counted() -> None:
    noise = {"match": {"paths": ["Event.attribute_count"]}, "technique": "noise"}
    noisy = policy("n", noise | {"params": {"epsilon": 0.25}})
    other = policy("m", noise | {"params": {"epsilon": 0.5}})
    _, report = both(noisy, other, {"info": "x", "attribute_count": "12", "Attribute": []})
    assert report.epsilon_spent == pytest.approx(0.75)
