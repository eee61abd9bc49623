"""Properties of the Beta reputation score."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threatmesh.privacy.reputation import (
    DAY,
    Evidence,
    EvidenceKind,
    decay,
    reputation,
    trust_level,
)

NOW = 1_800_000_000
HALF = 30 * DAY
ages = st.lists(st.integers(0, 400 * DAY), max_size=12)
positive_kinds = st.sampled_from([EvidenceKind.SIGHTING, EvidenceKind.MATCH])


def _ev(kind: EvidenceKind, age_list: list[int]) -> list[Evidence]:
    return [Evidence(kind, NOW - a) for a in age_list]


def _score(evidence: list[Evidence]) -> float:
    return reputation(evidence, now=NOW, half_life=HALF).score


def test_no_evidence_is_neutral() -> None:
    rep = reputation([], now=NOW)
    assert rep.score == 0.5 and rep.level == 2 and rep.evidence == 0


@given(ages, ages, st.integers(0, 400 * DAY), positive_kinds)
def test_monotone_in_corroboration(
    pos: list[int], neg: list[int], age: int, kind: EvidenceKind
) -> None:
    base = _ev(EvidenceKind.SIGHTING, pos) + _ev(EvidenceKind.FALSE_POSITIVE, neg)
    more = [*base, Evidence(kind, NOW - age)]
    assert _score(more) > _score(base)
    assert trust_level(_score(more)) >= trust_level(_score(base))


@given(ages, ages, st.integers(0, 400 * DAY))
def test_false_positives_lower_it(pos: list[int], neg: list[int], age: int) -> None:
    base = _ev(EvidenceKind.MATCH, pos) + _ev(EvidenceKind.FALSE_POSITIVE, neg)
    worse = [*base, Evidence(EvidenceKind.FALSE_POSITIVE, NOW - age)]
    assert _score(worse) < _score(base)


@given(ages, ages, st.integers(1, 400 * DAY))
def test_decays_towards_neutral(pos: list[int], neg: list[int], later: int) -> None:
    evidence = _ev(EvidenceKind.SIGHTING, pos) + _ev(EvidenceKind.FALSE_POSITIVE, neg)
    now_score = reputation(evidence, now=NOW, half_life=HALF).score
    later_score = reputation(evidence, now=NOW + later, half_life=HALF).score
    assert abs(later_score - 0.5) <= abs(now_score - 0.5) + 1e-12


def test_half_life_halves_the_weight() -> None:
    assert decay(HALF, HALF) == pytest.approx(0.5)
    assert decay(-5, HALF) == 1.0  # evidence dated in the future counts as now
    fresh = reputation([Evidence(EvidenceKind.SIGHTING, NOW)], now=NOW, half_life=HALF)
    old = reputation([Evidence(EvidenceKind.SIGHTING, NOW - HALF)], now=NOW, half_life=HALF)
    assert fresh.positive == pytest.approx(1.0) and old.positive == pytest.approx(0.5)
    with pytest.raises(ValueError, match="half-life"):
        decay(1, 0)


@given(st.floats(0, 1), st.floats(0, 1))
def test_levels_are_monotone_and_bounded(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert 0 <= trust_level(lo) <= trust_level(hi) <= 5


def test_one_corroboration_reaches_level_three() -> None:
    assert reputation([Evidence(EvidenceKind.SIGHTING, NOW)], now=NOW).level == 3
    fp = reputation([Evidence(EvidenceKind.FALSE_POSITIVE, NOW)], now=NOW)
    assert fp.level == 1
