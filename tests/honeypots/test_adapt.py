"""The placement policy (pure): which intelligence a rule takes, which hosts get the
decoy, TTL extension, cooldown, budget, and the policy document's errors."""

from __future__ import annotations

import pytest

from threatmesh.honeypots.adapt import Intelligence, Plan, intelligence_in, parse_policy
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.model.errors import InvalidInput

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
LOG4J = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
HOSTS = {
    "web-01": [APACHE, LOG4J],
    "web-02": [APACHE],
    "db-01": ["cpe:2.3:a:postgresql:postgresql:15.1:*:*:*:*:*:*:*"],
}
POLICY = """
budget: {max_decoys: 3, max_per_host: 2}
rules:
  - name: trusted
    match: {tags_any: ['tlp:clear'], min_reputation: 0.3, max_threat_level: 2}
    deploy: {ttl: 100, cooldown: 50, port: 0}
  - name: critical
    match: {cves: ['CVE-2021-*'], min_cvss: 9.0, tags_none: ['false-positive']}
    deploy: {ttl: 10}
"""


def _intel(cve: str, *, level: int = 1, tags: tuple[str, ...] = (), rep: float | None = None,
           cvss: float | None = None, cpes: tuple[str, ...] = ()) -> Intelligence:  # fmt: skip
    return Intelligence(cve, cpes, level, frozenset(tags), rep, cvss)


def _plan() -> Plan:
    return Plan(parse_policy(POLICY), CATALOGUE)


def test_rules_and_hosts() -> None:
    plan = _plan()
    decisions = plan.apply([_intel("CVE-2021-41773", tags=("tlp:clear",), rep=0.5)], HOSTS, 0)
    assert [(d.host, d.action) for d in decisions] == [("web-01", "deploy"), ("web-02", "deploy")]
    assert plan.placements[("web-01", "CVE-2021-41773")].rule == "trusted"
    # Below the trusted rule's reputation, the critical rule needs CVSS 9 (7.5 here).
    assert _plan().apply([_intel("CVE-2021-41773", rep=0.1, cvss=7.5)], HOSTS, 0) == []
    # Critical: Log4Shell only on the host running log4j; a false positive deploys nothing.
    (only,) = _plan().apply([_intel("CVE-2021-44228", cvss=10.0)], HOSTS, 0)
    assert only.host == "web-01"
    assert _plan().apply([_intel("CVE-2021-44228", tags=("false-positive",))], HOSTS, 0) == []
    # No decoy for the CVE, or a threat level the rules do not take: nothing.
    assert _plan().apply([_intel("CVE-2021-99999", cvss=10.0)], HOSTS, 0) == []
    assert _plan().apply([_intel("CVE-2014-6271", level=3, tags=("tlp:clear",), rep=1)],
                         HOSTS, 0) == []  # fmt: skip


def test_ttl_cooldown_budget() -> None:
    plan = _plan()
    trusted = _intel("CVE-2021-41773", tags=("tlp:clear",), rep=0.5)
    plan.apply([trusted], HOSTS, 0)
    (extended, _) = plan.apply([trusted], HOSTS, 60)
    assert extended.action == "extend" and plan.placements[("web-01", trusted.cve)].expires == 160
    # Budget: three in all, two per host.
    log4j = plan.apply([_intel("CVE-2021-44228", cvss=10.0)], HOSTS, 60)
    assert [d.action for d in log4j] == ["deploy"]
    f5 = _intel("CVE-2020-5902", tags=("tlp:clear",), rep=0.5,
                cpes=("cpe:2.3:a:apache:http_server:*",))  # fmt: skip
    (refused,) = plan.apply([f5], {"web-02": [APACHE]}, 60)
    assert refused.action == "refused" and "budget: 3 decoys" in refused.reason
    # Expiry, then cooldown.
    assert {(p.host, p.cve) for p in plan.expire(70)} == {("web-01", "CVE-2021-44228")}
    gone = plan.expire(160)
    assert len(gone) == 2 and plan.placements == {}
    (resting, _) = plan.apply([trusted], HOSTS, 170)
    assert resting.action == "refused" and resting.reason == "cooldown until 210"
    assert [d.action for d in plan.apply([trusted], HOSTS, 210)] == ["deploy", "deploy"]


def test_intelligence_in_an_event() -> None:
    event = {"Event": {"threat_level_id": "2", "Tag": [{"name": "tlp:clear"}],
                       "Orgc": {"reputation": {"score": 0.4}},
                       "Attribute": [{"type": "vulnerability", "value": "CVE-2021-41773"},
                                     {"type": "cpe", "value": APACHE}]}}  # fmt: skip
    (intel,) = intelligence_in(event)
    assert (intel.cve, intel.cpes, intel.threat_level, intel.tags, intel.reputation) == (
        "CVE-2021-41773",
        (APACHE,),
        2,
        frozenset({"tlp:clear"}),
        0.4,
    )


@pytest.mark.parametrize(("text", "where"), [
    ("rules: [{name: a, match: {max_threat_level: 9}}]", "policy.rules.0.match.max_threat_level"),
    ("rules: [{name: a, deploy: {ttl: 0}}]", "policy.rules.0.deploy.ttl"),
    ("budget: {max_decoys: 1, colour: red}", "policy.budget.colour"),
    ("rules: [{match: {}}]", "policy.rules.0.name"),
])  # fmt: skip
def test_policy_errors_name_the_field(text: str, where: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{where}:"):
        parse_policy(text)


def test_a_hit_keeps_the_decoy_up() -> None:
    text = "rules: [{name: r, deploy: {ttl: 100, extend_on_hit: 500}}, {name: s}]"
    plan = Plan(parse_policy(text), CATALOGUE)
    plan.apply([_intel("CVE-2021-41773")], {"web-02": [APACHE]}, 0)
    decision = plan.on_hit("web-02", "CVE-2021-41773", 50)
    assert decision is not None and decision.action == "extend"
    assert plan.placements[("web-02", "CVE-2021-41773")].expires == 550
    assert plan.on_hit("web-02", "CVE-2014-6271", 50) is None  # not placed
    plain = _plan()
    plain.apply([_intel("CVE-2021-44228", cvss=10.0)], HOSTS, 0)
    assert plain.on_hit("web-01", "CVE-2021-44228", 5) is None  # its rule does not extend
