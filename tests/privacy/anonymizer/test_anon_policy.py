"""The policy language: errors name the rule and the field; rules match as documented."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.privacy.anonymizer import (
    TECHNIQUES,
    BudgetExhausted,
    Context,
    Keys,
    PolicyError,
    TechniqueMismatch,
    UnknownTechnique,
    anonymize_event,
    compile_policy,
    parse_policy,
)
from threatmesh.privacy.anonymizer.dp import Budget, noisy_count
from threatmesh.privacy.anonymizer.kanon import measured_k
from threatmesh.privacy.anonymizer.policy import schema
from threatmesh.privacy.anonymizer.statistics import release, true_counts

KEYS = Keys(pseudonym=b"p" * 32, cryptopan=bytes(range(32)))
POLICIES = Path(__file__).resolve().parents[3] / "docs" / "policies"


def _run(event: dict[str, Any], rules: list[dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    return anonymize_event(event, {"name": "t", "rules": rules}, Context(KEYS, random.Random(3)))


@pytest.mark.parametrize(
    ("policy", "error", "message"),
    [
        ({"rules": []}, PolicyError, r"name: Field required"),
        (
            {"name": "p", "rules": [{"name": "a", "technique": "rot13"}]},
            UnknownTechnique,
            r"rules\[0\] 'a': technique: unknown technique 'rot13'; known: cryptopan",
        ),
        (
            {
                "name": "p",
                "rules": [
                    {"technique": "keep"},
                    {"name": "b", "match": {"types": ["md5"]}, "technique": "cryptopan"},
                ],
            },
            PolicyError,
            r"rules\[1\] 'b': match.types: technique 'cryptopan' does not apply to "
            r"attribute type 'md5'",
        ),
        (
            {
                "name": "p",
                "rules": [{"name": "c", "match": {"types": ["ip-dts"]}, "technique": "cryptopan"}],
            },
            PolicyError,
            r"rules\[0\] 'c': match.types: unknown MISP attribute types \['ip-dts'\]",
        ),
        (
            {
                "name": "p",
                "rules": [
                    {"name": "d", "technique": "generalise_ip", "params": {"ipv4_prefix": 40}}
                ],
            },
            PolicyError,
            r"rules\[0\] 'd': params.ipv4_prefix: Input should be less than or equal",
        ),
        (
            {
                "name": "p",
                "rules": [{"name": "e", "technique": "keep", "match": {"colour": "red"}}],
            },
            PolicyError,
            r"rules\[0\] 'e': match.colour: Extra inputs are not permitted",
        ),
        (
            {
                "name": "p",
                "rules": [{"name": "f", "technique": "keep", "match": {"value_regex": "("}}],
            },
            PolicyError,
            r"rules\[0\] 'f': match.value_regex: not a regular expression",
        ),
        (
            {"name": "p", "rules": [{"technique": "redact", "params": {"detect": ["ssn"]}}]},
            PolicyError,
            r"rules\[0\]: params.*unknown detectors \['ssn'\]",
        ),
    ],
)
def test_invalid_policies_name_rule_and_field(policy: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        compile_policy(policy)
    assert info.value.status == 400


def test_yaml_and_json_give_the_same_policy() -> None:
    yaml_text = "name: p\nrules:\n  - name: a\n    match: {kinds: [ip]}\n    technique: cryptopan\n"
    json_text = (
        '{"name": "p", "rules": [{"name": "a", "match": {"kinds": ["ip"]}, '
        '"technique": "cryptopan"}]}'
    )
    assert parse_policy(yaml_text).policy == parse_policy(json_text).policy
    with pytest.raises(PolicyError, match="neither JSON nor YAML"):
        parse_policy("name: [unclosed")
    assert "rules" in schema()["properties"]


def test_a_technique_producing_an_invalid_value_is_named() -> None:
    event = {
        "info": "x",
        "Attribute": [{"type": "port", "category": "Network activity", "value": "22"}],
    }
    rules = [
        {
            "name": "ports",
            "match": {"types": ["port"]},
            "technique": "generalise_port",
            "params": {"style": "label"},
        }
    ]
    with pytest.raises(
        TechniqueMismatch, match=r"rules\[0\] 'ports'.*Attribute\[0\].value.*'port'"
    ):
        _run(event, rules)


def test_rules_match_in_order_on_every_criterion() -> None:
    event = {
        "info": "x",
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [
            {
                "type": "ip-dst",
                "category": "Network activity",
                "value": "10.1.2.3",
                "Tag": [{"name": "tlp:red"}],
            },
            {"type": "ip-dst", "category": "Network activity", "value": "10.9.9.9"},
            {"type": "ip-src", "category": "Network activity", "value": "203.0.113.7"},
            {"type": "ip-dst|port", "category": "Network activity", "value": "10.1.2.3|8080"},
        ],
        "Object": [
            {
                "name": "victim",
                "Attribute": [
                    {
                        "type": "target-user",
                        "category": "Targeting data",
                        "value": "alice",
                        "object_relation": "user",
                    }
                ],
            }
        ],
    }
    rules = [
        {"name": "red", "match": {"tags": ["tlp:red"]}, "technique": "suppress"},
        {"name": "ports", "match": {"kinds": ["port"]}, "technique": "generalise_port"},
        {
            "name": "private",
            "match": {"value_regex": r"^10\.", "kinds": ["ip"]},
            "technique": "generalise_ip",
            "params": {"ipv4_prefix": 16, "with_length": False},
        },
        {
            "name": "users",
            "match": {"object_names": ["victim"], "object_relations": ["user"]},
            "technique": "pseudonymise",
        },
    ]
    out, report = _run(event, rules)
    assert [a["value"] for a in out["Attribute"]] == ["10.9.0.0", "203.0.113.7", "10.1.0.0|1024"]
    assert re.fullmatch(r"user-[0-9a-f]{12}", out["Object"][0]["Attribute"][0]["value"])
    assert report.by_rule()["rules[0] 'red'"] == {"changed": 0, "suppressed": 1}


def test_free_text_gets_the_structured_pseudonyms() -> None:
    event = {
        "info": "alice@corp.example phished from 198.51.100.4",
        "Attribute": [
            {"type": "email-src", "category": "Payload delivery", "value": "alice@corp.example"},
            {
                "type": "ip-src",
                "category": "Network activity",
                "value": "198.51.100.4",
                "comment": "seen with user bob-admin on files.corp.example",
            },
        ],
    }
    rules = [
        {"name": "ips", "match": {"kinds": ["ip"]}, "technique": "cryptopan"},
        {
            "name": "names",
            "match": {"kinds": ["email", "hostname", "username"]},
            "technique": "pseudonymise",
            "params": {"keep_domain": True},
        },
        {"name": "text", "match": {"kinds": ["text"]}, "technique": "redact"},
    ]
    out, _ = _run(event, rules)
    email, ip = out["Attribute"][0]["value"], out["Attribute"][1]["value"]
    assert out["info"] == f"{email} phished from {ip}"
    assert email.endswith("@corp.example") and ip != "198.51.100.4"
    comment = out["Attribute"][1]["comment"]
    assert "bob-admin" not in comment and "files.corp.example" not in comment
    assert comment.endswith(".corp.example")


def test_noise_spends_epsilon_and_budgets_refuse_when_spent() -> None:
    event = {"info": "x", "attribute_count": "40"}
    rules = [
        {
            "match": {"paths": ["Event.attribute_count"]},
            "technique": "noise",
            "params": {"epsilon": 0.4, "mechanism": "laplace"},
        }
    ]
    out, report = _run(event, rules)
    assert report.epsilon_spent == pytest.approx(0.4) and out["attribute_count"].isdigit()
    budget = Budget(total=1.0, spent=0.0).charge(0.4, "server 1").charge(0.4, "server 1")
    with pytest.raises(BudgetExhausted, match=r"server 1 is exhausted.*0.2 of 1 remains") as info:
        budget.charge(0.4, "server 1")
    assert info.value.status == 403


def test_geometric_noise_is_centred_on_the_count() -> None:
    rng = random.Random(7)
    draws = [
        noisy_count(rng, 1000, epsilon=1.0, sensitivity=1, mechanism="geometric")
        for _ in range(4000)
    ]
    mean = sum(draws) / len(draws)
    assert abs(mean - 1000) < 0.2  # variance 2a/(1-a)^2 ~ 1.84 at epsilon 1
    assert len(set(draws)) > 5


def test_statistics_cost_epsilon_per_statistic_and_are_noisy_counts() -> None:
    event = {
        "Attribute": [
            {"type": "ip-dst", "category": "Network activity", "Sighting": [{}, {}]},
            {"type": "md5", "category": "Payload delivery"},
        ],
        "Object": [{"Attribute": [{"type": "ip-dst", "category": "Network activity"}]}],
    }
    assert true_counts(event) == {
        "attributes_by_category": {"Network activity": 2, "Payload delivery": 1},
        "attributes_by_type": {"ip-dst": 2, "md5": 1},
        "sightings": 2,
    }
    done = release(
        event,
        ["attributes_by_type", "sightings"],
        epsilon=0.3,
        mechanism="geometric",
        rng=random.Random(5),
    )
    assert done.epsilon == pytest.approx(0.6)
    assert set(done.values) == {"attributes_by_type", "sightings"}
    assert all(v >= 0 for v in done.values["attributes_by_type"].values())
    with pytest.raises(ValueError, match="choose from"):
        release(event, ["salaries"], epsilon=1, mechanism="laplace", rng=random.Random(1))


_names = st.sampled_from([*sorted(TECHNIQUES), "rot13", "", "CryptoPAn"])
_junk = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.text(max_size=5)))
_match = st.dictionaries(
    st.sampled_from(["types", "kinds", "tags", "paths", "value_regex", "colour"]),
    st.one_of(_junk, st.lists(st.sampled_from(["ip-dst", "md5", "ip", "text", "tlp:*", "("]))),
    max_size=3,
)
_params = st.dictionaries(
    st.sampled_from(["unit", "ipv4_prefix", "keep_domain", "k", "epsilon", "detect", "bogus"]),
    _junk,
    max_size=2,
)
_rule = st.fixed_dictionaries(
    {"technique": _names},
    optional={"name": st.text(max_size=8), "match": _match, "params": _params},
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.fixed_dictionaries(
            {"name": st.text(min_size=1, max_size=8), "rules": st.lists(_rule, max_size=4)}
        ),
        _junk,
    )
)
def test_any_document_compiles_or_is_a_policy_error_naming_where(raw: Any) -> None:
    try:
        compiled = compile_policy(raw)
    except PolicyError as exc:
        assert exc.status == 400 and exc.message
        if isinstance(raw, dict) and raw.get("rules") and raw.get("name"):
            assert re.search(r"rules\[\d+\]|name", exc.message), exc.message
        return
    # What compiles survives a round trip through its stored (JSON) form unchanged.
    again = compile_policy(json.loads(compiled.policy.model_dump_json()))
    assert again.policy == compiled.policy


def test_unmatched_attributes_can_be_dropped_and_keep_shields_from_later_rules() -> None:
    event = {
        "info": "x",
        "Attribute": [
            {"type": "md5", "category": "Payload delivery", "value": "d" * 32},
            {"type": "ip-dst", "category": "Network activity", "value": "192.0.2.7"},
            {"type": "ip-dst", "category": "Network activity", "value": "198.51.100.1"},
        ],
    }
    policy = {
        "name": "allow",
        "unmatched_attributes": "drop",
        "rules": [
            {"name": "public", "match": {"value_regex": r"^198\."}, "technique": "keep"},
            {"name": "ips", "match": {"kinds": ["ip"]}, "technique": "cryptopan"},
        ],
    }
    out, _ = anonymize_event(event, policy, Context(KEYS, random.Random(1)))
    values = [a["value"] for a in out["Attribute"]]
    assert len(values) == 2 and "198.51.100.1" in values and "192.0.2.7" not in values


def _victim(name: str, sector: str, region: str) -> dict[str, Any]:
    rel = [
        ("name", "target-org", name),
        ("sectors", "text", sector),
        ("regions", "target-location", region),
        ("user", "target-user", f"{name}-admin"),
    ]
    return {
        "name": "victim",
        "Attribute": [
            {"type": t, "category": "Targeting data", "value": v, "object_relation": r}
            for r, t, v in rel
        ],
    }


def test_a_victim_list_is_made_k_anonymous_and_reports_its_k() -> None:
    victims = [
        _victim("Bank A", "finance", "Europe/West"),
        _victim("Bank B", "finance", "Europe/East"),
        _victim("Clinic", "health", "Europe/West"),
        _victim("Hospital", "health", "Asia/South"),
        _victim("Lone", "energy", "Africa"),
    ]
    event = {"info": "x", "Object": victims}
    policy = parse_policy((POLICIES / "partner.yaml").read_text())
    out, report = anonymize_event(event, policy, Context(KEYS, random.Random(1)))
    (table,) = report.tables
    assert (table.path, table.rows_in, table.k) == ("Event.Object[name=victim]", 5, table.k)
    rows = [{a["object_relation"]: a["value"] for a in o["Attribute"]} for o in out["Object"]]
    assert all(set(r) == {"sectors", "regions"} for r in rows)  # identifiers are gone
    assert table.rows_out == len(rows) and table.k is not None and table.k >= 3
    assert table.k == measured_k(rows, ["sectors", "regions"])
