"""The risk model reproduces Di Tizio, Armellini and Massacci's figures (IEEE TSE 2022)."""

from __future__ import annotations

import math

from hypothesis import given, settings

from tests.honeypots.risk.strategies import host_facts
from threatmesh.honeypots.risk.calibration import (
    ATTACKED_RANGE,
    CALIBRATED,
    ODDS_RATIOS,
    anchor_host,
    fit_patch_lag,
)
from threatmesh.honeypots.risk.model import DAY, HostFacts, Vulnerability, assess

NOW = 1_800_000_000


def _odds(p: float) -> float:
    return p / (1 - p)


def _with_lag(facts: HostFacts, days: float) -> HostFacts:
    """The same host, every vulnerability's fix released ``days`` before NOW."""
    vulns = tuple(
        Vulnerability(
            cve=v.cve,
            software=v.software,
            cvss=v.cvss,
            attack_vector=v.attack_vector,
            exploit=v.exploit,
            fixed_at=NOW - round(days * DAY),
            apt_users=v.apt_users,
            source_trust=v.source_trust,
        )
        for v in facts.vulnerabilities
    )
    return HostFacts(facts.host, vulns, facts.hits, facts.detections)


def test_the_fit_reproduces_both_odds_ratios() -> None:
    a, tau = fit_patch_lag()
    for days, ratio in ODDS_RATIOS:
        assert math.isclose((1 + days / tau) ** a, ratio, rel_tol=1e-9)


def test_one_and_three_months_late_on_the_anchor_host() -> None:
    for actors in (1, 3, 10):
        now_p = assess(anchor_host(actors, now=NOW), CALIBRATED, now=NOW).probability
        for days, ratio in ODDS_RATIOS:
            late = assess(anchor_host(actors, lag_days=days, now=NOW), CALIBRATED, now=NOW)
            measured = _odds(late.probability) / _odds(now_p)
            assert abs(measured / ratio - 1) < 0.10, (actors, days, measured)


@settings(max_examples=200, deadline=None)
@given(host_facts(min_vulnerabilities=1, now=NOW))
def test_the_odds_ratios_hold_for_any_host(facts: HostFacts) -> None:
    """Whatever else is known about a host (hits, anomalies, other CVEs), updating one or
    three months late instead of immediately multiplies its odds by 4.9 and 9.1."""
    immediate = assess(_with_lag(facts, 0), CALIBRATED, now=NOW).probability
    for days, ratio in ODDS_RATIOS:
        late = assess(_with_lag(facts, days), CALIBRATED, now=NOW).probability
        if late > 1 - 1e-12:  # odds no longer representable: nothing to compare
            continue
        assert abs(_odds(late) / _odds(immediate) / ratio - 1) < 0.10


def test_an_attacked_immediate_updater_is_compromised_14_to_33_percent() -> None:
    low, high = ATTACKED_RANGE
    assert math.isclose(assess(anchor_host(1), CALIBRATED, now=0).probability, low, rel_tol=1e-9)
    assert math.isclose(assess(anchor_host(10), CALIBRATED, now=0).probability, high, rel_tol=1e-9)
    for actors in range(1, 11):
        p = assess(anchor_host(actors), CALIBRATED, now=0).probability
        assert low - 1e-9 <= p <= high + 1e-9


def test_a_host_with_nothing_known_is_unlikely_compromised() -> None:
    p = assess(HostFacts("quiet"), CALIBRATED, now=NOW).probability
    assert 0.01 < p < 0.05
