"""The risk model: exact explanations and monotonicity (Hypothesis)."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.honeypots.risk.strategies import detections, hits, host_facts, vulnerabilities
from threatmesh.honeypots.risk.calibration import CALIBRATED
from threatmesh.honeypots.risk.cvss_vectors import AttackVector
from threatmesh.honeypots.risk.model import (
    DAY,
    Detection,
    ExploitMaturity,
    Hit,
    HostFacts,
    Vulnerability,
    assess,
    logit,
    sigmoid,
)

NOW = 1_800_000_000
EPS = 1e-12


def p_of(facts: HostFacts) -> float:
    return assess(facts, CALIBRATED, now=NOW).probability


@settings(max_examples=300, deadline=None)
@given(host_facts(now=NOW))
def test_the_factors_add_up_to_the_answer(facts: HostFacts) -> None:
    result = assess(facts, CALIBRATED, now=NOW)
    assert 0 < result.probability < 1 or result.log_odds > 30
    assert math.isclose(logit(max(result.probability, 1e-300)), result.log_odds, abs_tol=1e-6) or (
        result.log_odds > 30
    )
    for factor in result.factors:
        if factor.items:
            shares = math.fsum(i.log_odds for i in factor.items)
            assert math.isclose(shares, factor.log_odds, abs_tol=1e-9), factor.name
        if factor.name != "baseline":
            assert factor.log_odds >= 0


@settings(max_examples=200, deadline=None)
@given(host_facts(now=NOW), hits(NOW))
def test_more_hits_never_lower_risk(facts: HostFacts, hit: Hit) -> None:
    more = dataclasses.replace(facts, hits=(*facts.hits, hit))
    assert p_of(more) >= p_of(facts) - EPS


@settings(max_examples=200, deadline=None)
@given(host_facts(now=NOW), detections(NOW))
def test_more_anomalies_never_lower_risk(facts: HostFacts, found: Detection) -> None:
    more = dataclasses.replace(facts, detections=(*facts.detections, found))
    assert p_of(more) >= p_of(facts) - EPS


@settings(max_examples=200, deadline=None)
@given(host_facts(now=NOW), vulnerabilities(NOW))
def test_another_vulnerability_or_report_never_lowers_risk(
    facts: HostFacts, vuln: Vulnerability
) -> None:
    """A new CVE, or a second report of one already known (merged), never helps."""
    more = dataclasses.replace(facts, vulnerabilities=(*facts.vulnerabilities, vuln))
    assert p_of(more) >= p_of(facts) - EPS


_ORDERED_AV = [AttackVector.PHYSICAL, AttackVector.LOCAL, AttackVector.ADJACENT, None]
_ORDERED_EXPLOIT = [
    ExploitMaturity.THEORETICAL,
    ExploitMaturity.UNKNOWN,
    ExploitMaturity.DOCUMENTED,
    ExploitMaturity.CUSTOMISED,
    ExploitMaturity.INDUSTRIALISED,
]


@settings(max_examples=300, deadline=None)
@given(
    host_facts(now=NOW, min_vulnerabilities=1),
    st.integers(0, 5),
    st.floats(0, 10),
    st.integers(0, 400),
    st.sampled_from(["cvss", "lag", "av", "exploit", "apt", "trust"]),
)
def test_a_worse_vulnerability_never_lowers_risk(
    facts: HostFacts, index: int, bump: float, days: int, what: str
) -> None:
    """Raising one CVE's score, lag, reachability, exploit maturity, APT use or its
    source's reputation never lowers the probability."""
    i = index % len(facts.vulnerabilities)
    v = facts.vulnerabilities[i]
    if what == "cvss":
        worse = dataclasses.replace(v, cvss=min((v.cvss or 5.0) + bump, 10.0))
    elif what == "lag":
        worse = dataclasses.replace(v, fixed_at=(v.fixed_at or NOW) - days * DAY)
    elif what == "av":
        worse = dataclasses.replace(v, attack_vector=None)  # unknown counts as network
    elif what == "exploit":
        worse = dataclasses.replace(v, exploit=ExploitMaturity.INDUSTRIALISED)
    elif what == "apt":
        worse = dataclasses.replace(v, apt_users=v.apt_users | {f"new-actor-{days}"})
    else:
        worse = dataclasses.replace(v, source_trust=1.0)
    vulns = list(facts.vulnerabilities)
    vulns[i] = worse
    assert p_of(dataclasses.replace(facts, vulnerabilities=tuple(vulns))) >= p_of(facts) - EPS


def test_orderings_the_monotonicity_relies_on() -> None:
    m = CALIBRATED
    assert [m.attack_vector[a] for a in _ORDERED_AV] == sorted(
        m.attack_vector[a] for a in _ORDERED_AV
    )
    assert [m.exploit[e] for e in _ORDERED_EXPLOIT] == sorted(m.exploit.values())


def test_old_evidence_fades() -> None:
    fresh = HostFacts("h", hits=(Hit(at=NOW, cve="CVE-2021-41773"),))
    old = HostFacts("h", hits=(Hit(at=NOW - 30 * DAY, cve="CVE-2021-41773"),))
    nothing = HostFacts("h")
    assert p_of(fresh) > p_of(old) > p_of(nothing)
    # Half-life: a 30-day-old hit weighs half a fresh one.
    term = assess(old, CALIBRATED, now=NOW).factor("decoy_hits").log_odds
    assert math.isclose(term, CALIBRATED.w_hits * math.log1p(0.5))


def test_an_explained_example() -> None:
    """The worked example of docs/adaptive.md, term by term."""
    apache = Vulnerability(
        cve="CVE-2021-41773",
        software="cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
        cvss=7.5,
        attack_vector=AttackVector.NETWORK,
        exploit=ExploitMaturity.INDUSTRIALISED,
        fixed_at=NOW - 45 * DAY,
        apt_users=frozenset({"APT-A", "APT-B"}),
    )
    facts = HostFacts(
        "web-01",
        vulnerabilities=(apache,),
        hits=(Hit(at=NOW - DAY, cve="CVE-2021-41773", attacker="203.0.113.5"),),
        detections=(Detection(at=NOW - 2 * DAY, kind="new-listening-port", severity=0.6),),
    )
    result = assess(facts, CALIBRATED, now=NOW)
    terms = {f.name: round(f.log_odds, 3) for f in result.factors}
    assert terms == {
        "baseline": -3.632,
        "vulnerabilities": 1.119,  # 2 * ln(1 + 7.5 / 10)
        "patch_lag": 1.814,  # 0.588 * ln(1 + 45 / 2.154)
        "apt_campaigns": 0.713,  # 0.649 * ln(1 + 2)
        "decoy_hits": 0.545,  # 0.8 * ln(1 + 2 ** (-1 / 30))
        "detections": 0.453,  # 1.0 * ln(1 + 0.6 * 2 ** (-2 / 30))
    }
    assert math.isclose(sigmoid(sum(terms.values())), result.probability, abs_tol=1e-3)
    assert round(result.probability, 3) == 0.734
