"""Decay scores against values computed by hand from MISP's formulas.

NIDS model: lifetime 120 days, decay speed 2, threshold 30, default base score 80, so
``score = 80 * (1 - sqrt(days / 120))``: 30 days -> 80 * (1 - 0.5) = 40; 67.5 days ->
80 * (1 - 0.75) = 20 (decayed: 30 > 20).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from threatmesh.model.errors import NotFound
from threatmesh.model.library.decay import (
    ScoredTag,
    base_score,
    decay_score,
    last_activity,
    polynomial_score,
    prioritised_tags,
    tag_basename,
)
from threatmesh.model.library.decaying_models import DecayingModel, load_decaying_models

DAY = 86400
T = 1_700_000_000


@pytest.fixture(scope="module")
def nids() -> DecayingModel:
    return next(m for m in load_decaying_models().items if m.name == "NIDS Simple Decaying Model")


def _score(model: DecayingModel, now: int, **kwargs: object) -> tuple[float, float, bool]:
    args: dict[str, object] = {
        "timestamp": T,
        "last_seen": None,
        "last_sighting": None,
        "event_tags": [],
        "attribute_tags": [],
    }
    args.update(kwargs)
    result = decay_score(model, now=now, **args)  # type: ignore[arg-type]
    return result.score, result.base_score, result.decayed


def test_fresh_attribute_scores_its_base(nids: DecayingModel) -> None:
    assert _score(nids, T) == (80.0, 80.0, False)


def test_thirty_days(nids: DecayingModel) -> None:
    assert _score(nids, T + 30 * DAY) == (40.0, 80.0, False)


def test_decayed_below_threshold(nids: DecayingModel) -> None:
    assert _score(nids, T + int(67.5 * DAY)) == (20.0, 80.0, True)


def test_past_lifetime_is_zero(nids: DecayingModel) -> None:
    assert _score(nids, T + 120 * DAY)[0] == 0.0
    assert _score(nids, T + 500 * DAY)[0] == 0


def test_future_timestamp_is_zero(nids: DecayingModel) -> None:
    assert _score(nids, T - 1) == (0, 80.0, True)


def test_phishing_model_lifetime(nids: DecayingModel) -> None:
    phishing = next(m for m in load_decaying_models().items if m.name == "Phishing model")
    # 3 days, speed 2.3: at the lifetime the ratio is 1 and the score 0.
    assert _score(phishing, T + 3 * DAY)[0] == 0.0


def test_last_sighting_counts_unless_modified_after(nids: DecayingModel) -> None:
    sighted = T + 10 * DAY
    assert _score(nids, sighted + 30 * DAY, last_sighting=sighted)[0] == 40.0
    # Modified after the sighting: decay counts from the modification.
    modified = T + 20 * DAY
    assert _score(nids, modified + 30 * DAY, timestamp=modified, last_sighting=sighted)[0] == 40.0


def test_last_seen_without_sightings(nids: DecayingModel) -> None:
    seen = T + 10 * DAY
    assert _score(nids, seen + 30 * DAY, timestamp=T, last_seen=seen)[0] == 40.0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"timestamp": 100, "last_seen": None, "last_sighting": None}, 100),
        ({"timestamp": 100, "last_seen": 150, "last_sighting": None}, 150),
        ({"timestamp": 100, "last_seen": 150, "last_sighting": 200}, 200),
        # modified (300) after the sighting (200): last_seen if any, else the timestamp
        ({"timestamp": 300, "last_seen": 150, "last_sighting": 200}, 150),
        ({"timestamp": 300, "last_seen": None, "last_sighting": 200}, 300),
    ],
)
def test_last_activity(kwargs: dict[str, int | None], expected: int) -> None:
    assert last_activity(**kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ('false-positive:risk="low"', "false-positive:risk"),
        ("priority-level:high", "priority-level"),
        ("retention:1d", "retention"),
        ("plain", "plain"),
        ('misp-galaxy:x="a:b"', 'misp-galaxy:x="a:b"'),
    ],
)
def test_tag_basename(name: str, base: str) -> None:
    assert tag_basename(name) == base


def test_base_score_from_weighted_tags(nids: DecayingModel) -> None:
    # Two configured bases with ratio 0.1667 each: each weighs 0.5.
    tags = [
        ScoredTag('estimative-language:likelihood-probability="almost-certain"', 90),
        ScoredTag('false-positive:risk="low"', 25),
        ScoredTag("unrelated:tag", 5),
    ]
    assert base_score(nids.parameters, tags) == 0.5 * 90 + 0.5 * 25 == 57.5


def test_tags_without_numerical_value_do_not_count(nids: DecayingModel) -> None:
    assert base_score(nids.parameters, [ScoredTag('false-positive:risk="low"', None)]) == 80.0


def test_attribute_tag_overrides_event_tag_of_the_same_base(nids: DecayingModel) -> None:
    event = [
        ScoredTag('false-positive:risk="high"', 50),
        ScoredTag('false-positive:risk="medium"', 40),
    ]
    attribute = [ScoredTag('false-positive:risk="low"', 25)]
    tags = prioritised_tags(event, attribute)
    assert tags == attribute
    score, base, _ = _score(nids, T + 30 * DAY, event_tags=event, attribute_tags=attribute)
    assert (score, base) == (12.5, 25.0)


def test_prioritised_tags_keep_positions() -> None:
    event = [ScoredTag("a:x"), ScoredTag("b:y"), ScoredTag("a:z")]
    attribute = [ScoredTag("c:w"), ScoredTag("a:q")]
    assert [t.name for t in prioritised_tags(event, attribute)] == ["a:q", "b:y", "c:w"]


def test_polynomial_guards() -> None:
    assert polynomial_score({"lifetime": 0, "decay_speed": 2}, 80, 10) == 0
    assert polynomial_score({"lifetime": 1, "decay_speed": 0}, 80, 10) == 0


def test_overridden_threshold_changes_decayed(nids: DecayingModel) -> None:
    strict = replace(nids, parameters={**nids.parameters, "threshold": 50})
    assert _score(strict, T + 30 * DAY) == (40.0, 80.0, True)


def test_polynomial_extended_drops_expired_retention(nids: DecayingModel) -> None:
    extended = replace(nids, formula="PolynomialExtended")
    retention = {"retention:1d": 1.0}
    tags = [ScoredTag("retention:1d", 1)]
    assert _score(extended, T + 2 * DAY, attribute_tags=tags, retention=retention)[0] == 0
    # Within the period the polynomial applies; "retention" is also a configured base (its
    # tag's numerical value, 1, is then the whole base score).
    assert _score(extended, T, attribute_tags=tags, retention=retention) == (1.0, 1.0, True)


def test_sightings_formula(nids: DecayingModel) -> None:
    model = replace(nids, formula="Sightings", parameters={**nids.parameters, "settings": "{}"})
    # 3 true positives out of 4 sightings: 3/4 of the base score.
    assert _score(model, T, sightings=[0, 0, 1, 0])[0] == 60.0
    assert _score(model, T, sightings=[])[0] == 80.0  # fewer than minimum_sightings (1)


def test_unknown_formula(nids: DecayingModel) -> None:
    with pytest.raises(NotFound, match="was not found"):
        _score(replace(nids, formula="quadratic"), T)
