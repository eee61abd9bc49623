"""One conformance suite, run over every registered technique."""

from __future__ import annotations

import ipaddress
import random
import sys

import pytest
from pydantic import ValidationError

from threatmesh.privacy.anonymizer import (
    TECHNIQUES,
    Context,
    Keys,
    TechniqueMismatch,
    anonymize_event,
)
from threatmesh.privacy.anonymizer import kinds as k
from threatmesh.privacy.anonymizer.errors import PolicyError
from threatmesh.privacy.anonymizer.policy import compile_policy
from threatmesh.privacy.anonymizer.technique import Technique

KEYS = Keys(pseudonym=b"p" * 32, cryptopan=bytes(range(32)))
SAMPLES: dict[str, list[str]] = {
    k.IP: ["192.0.2.1", "10.1.2.0/24", "2001:db8::1"],
    k.EMAIL: ["alice@corp.example"],
    k.HOSTNAME: ["mail.corp.example", "corp.example"],
    k.USERNAME: ["alice.smith"],
    k.ORG: ["ACME Bank"],
    k.URL: ["https://intranet.corp.example/login?u=alice"],
    k.PORT: ["22", "8080", "50000"],
    k.TIMESTAMP: ["1533306058", "2021-03-04T05:06:07.123456+00:00"],
    k.TEXT: ["alice@corp.example logged in from 192.0.2.1 to mail.corp.example"],
    k.VALUE: ["d41d8cd98f00b204e9800998ecf8427e"],
}
ROWS = [
    {"_row": str(i), "source": f"sensor-{i % 3}.corp", "date_sighting": str(1533306058 + i)}
    for i in range(7)
]


def _build(cls: type[Technique], seed: int = 1) -> Technique:
    return cls(cls.Params.model_validate(cls.example), Context(KEYS, random.Random(seed)))


@pytest.fixture(params=sorted(TECHNIQUES))
def technique(request: pytest.FixtureRequest) -> type[Technique]:
    return TECHNIQUES[request.param]


def test_declares_a_name_kinds_and_params(technique: type[Technique]) -> None:
    assert TECHNIQUES[technique.name] is technique
    assert technique.kinds and technique.kinds <= k.ALL_KINDS
    assert technique.__doc__
    technique.Params.model_validate(technique.example)
    with pytest.raises(ValidationError):
        technique.Params.model_validate({**technique.example, "no_such_parameter": 1})


def test_handles_each_declared_kind_deterministically(technique: type[Technique]) -> None:
    for kind in technique.kinds:
        if kind == k.TABLE:
            first, again = _build(technique).table(ROWS), _build(technique).table(ROWS)
            assert first == again
            assert all(set(r) <= set(ROWS[0]) for r in first.rows)
            continue
        if kind == k.NUMBER:
            assert isinstance(_build(technique).number(42.0), float | int)
            continue
        for sample in SAMPLES[kind]:
            out = _build(technique).value(sample, kind)
            assert out is None or isinstance(out, str)
            if technique.name != "noise":
                assert _build(technique).value(sample, kind) == out
            if kind == k.IP and out is not None:
                ipaddress.ip_network(out, strict=False)


def test_refuses_kinds_it_does_not_declare(technique: type[Technique]) -> None:
    missing = sorted(k.ALL_KINDS - technique.kinds)
    for kind in missing:
        with pytest.raises(PolicyError, match=r"rules\[0\] 'r': match.kinds"):
            compile_policy(
                {
                    "name": "p",
                    "rules": [
                        {
                            "name": "r",
                            "match": {"kinds": [kind]},
                            "technique": technique.name,
                            "params": technique.example,
                        }
                    ],
                }
            )


def test_a_broad_rule_meeting_a_value_it_cannot_handle_is_an_error(
    technique: type[Technique],
) -> None:
    if k.VALUE in technique.kinds:
        return
    event = {
        "info": "x",
        "Attribute": [
            {"type": "md5", "category": "Payload delivery", "value": SAMPLES[k.VALUE][0]}
        ],
    }
    policy = {
        "name": "p",
        "rules": [{"name": "everything", "technique": technique.name, "params": technique.example}],
    }
    with pytest.raises(TechniqueMismatch, match=r"rules\[0\] 'everything'.*Attribute\[0\]"):
        anonymize_event(event, policy, Context(KEYS, random.Random(1)))


@pytest.mark.parametrize("module", ["numpy", "cryptography.hazmat.primitives.ciphers", "yaml"])
def test_a_missing_extra_is_named(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from threatmesh.privacy.anonymizer import MissingExtra, parse_policy
    from threatmesh.privacy.anonymizer.cryptopan import CryptoPAn

    monkeypatch.setitem(sys.modules, module, None)  # makes "import module" fail
    with pytest.raises(MissingExtra, match=r"pip install 'threatmesh\[privacy\]'"):
        if module == "yaml":
            parse_policy("name: p\nrules: []\n")
        elif module == "numpy":
            CryptoPAn(bytes(32)).anonymize_many(["192.0.2.1"])
        else:
            CryptoPAn(bytes(32))
