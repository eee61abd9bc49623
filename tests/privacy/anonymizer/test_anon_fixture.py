"""The strict policy on a real CIRCL OSINT event (PyMISP's fixture)."""

from __future__ import annotations

import ipaddress
import json
import random
import re
from pathlib import Path

from tests.privacy.fixtures import pymisp_event

from threatmesh.model.validation.values import normalize_value
from threatmesh.privacy.anonymizer import Context, Keys, anonymize_event, parse_policy
from threatmesh.privacy.anonymizer.kinds import part_kinds

POLICIES = Path(__file__).resolve().parents[3] / "docs" / "policies"


def test_strict_policy_on_the_circl_osint_event() -> None:
    event = pymisp_event()
    policy = parse_policy((POLICIES / "strict.yaml").read_text())
    keys = Keys(pseudonym=b"k" * 32, cryptopan=bytes(range(32)))
    out, report = anonymize_event(event, policy, Context(keys, random.Random(1)))
    secret = set()
    for attr in event["Attribute"]:
        for part, kind in zip(attr["value"].split("|"), part_kinds(attr["type"]), strict=False):
            if kind in ("ip", "email", "hostname", "url") and len(part) > 4:
                secret.add(part.lower())
    assert len(secret) > 50
    dump = json.dumps(out).lower()
    leaked = [s for s in secret if re.search(rf"(?<![\w.]){re.escape(s)}(?![\w])", dump)]
    assert leaked == []
    # Everything that left is still valid MISP for its type.
    for attr in out["Attribute"]:
        normalize_value(attr["type"], attr["value"])
    # Consistency: the same input address always gives the same output.
    after = {a["uuid"]: a["value"] for a in out["Attribute"]}
    pairs = {(a["value"], after[a["uuid"]]) for a in event["Attribute"] if a["type"] == "ip-dst"}
    assert {a["type"] for a in event["Attribute"] if a["uuid"] not in after} == {"snort", "yara"}
    assert len({a for a, _ in pairs}) == len(pairs)
    assert all(ipaddress.ip_address(b) for _, b in pairs)
    assert report.by_rule()["rules[1] 'addresses'"]["changed"] == len(pairs)
