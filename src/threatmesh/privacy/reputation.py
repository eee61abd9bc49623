"""Source reputation: the Beta reputation system (Jøsang and Ismail, "The Beta
Reputation System", Bled eConference 2002) with exponential forgetting.

Positive evidence about an organisation is corroboration by *other* organisations: an
independent sighting of one of its indicators, or the same indicator reported in
another organisation's event. Negative evidence is a false-positive sighting (MISP
sighting type 1) of one of its indicators by another organisation. Each piece of
evidence counts with its weight, halved every ``half_life`` seconds of age, giving
``r`` (positive) and ``s`` (negative); the score is the expected value of
Beta(r + 1, s + 1), ``(r + 1) / (r + s + 2)``: 0.5 with no evidence, towards 1 with
corroboration, towards 0 with false positives, and back towards 0.5 as evidence ages.

:func:`trust_level` maps a score to the integer levels 0-5 that policies compare
(``trust>=3`` in an ABE policy, ``min_trust`` in a UMA policy). An organisation nobody
has corroborated yet is at level 2: reaching 3 takes corroboration.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

#: Scores at or above each threshold reach the next level (0.5, no evidence, is level 2).
LEVEL_THRESHOLDS = (0.2, 0.4, 0.6, 0.75, 0.9)
MAX_LEVEL = len(LEVEL_THRESHOLDS)
DAY = 86_400


class EvidenceKind(enum.StrEnum):
    """What a piece of evidence says about its source."""

    SIGHTING = "sighting"  # another organisation sighted one of its indicators
    MATCH = "match"  # another organisation reported the same indicator
    FALSE_POSITIVE = "false_positive"  # another organisation flagged one as a false positive


@dataclass(frozen=True, slots=True)
class Weights:
    """How much one piece of evidence of each kind counts, before decay."""

    sighting: float = 1.0
    match: float = 1.0
    false_positive: float = 2.0

    def of(self, kind: EvidenceKind) -> float:
        """The weight of ``kind``."""
        return {
            EvidenceKind.SIGHTING: self.sighting,
            EvidenceKind.MATCH: self.match,
            EvidenceKind.FALSE_POSITIVE: self.false_positive,
        }[kind]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence, at epoch second ``when``."""

    kind: EvidenceKind
    when: int


@dataclass(frozen=True, slots=True)
class Reputation:
    """The result for one organisation."""

    score: float
    positive: float
    negative: float
    level: int
    evidence: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON form (rounded: the figures are estimates)."""
        return {
            "score": round(self.score, 4),
            "level": self.level,
            "positive": round(self.positive, 4),
            "negative": round(self.negative, 4),
            "evidence": self.evidence,
        }


def decay(age: float, half_life: float) -> float:
    """The factor evidence ``age`` seconds old keeps (1 for evidence from the future)."""
    if half_life <= 0:
        raise ValueError("the half-life must be positive")
    return float(0.5 ** (max(age, 0.0) / half_life))


def trust_level(score: float) -> int:
    """The integer trust level (0-5) of a score in [0, 1]."""
    return sum(1 for t in LEVEL_THRESHOLDS if score >= t)


def reputation(
    evidence: Iterable[Evidence],
    *,
    now: int,
    half_life: float = 180 * DAY,
    weights: Weights | None = None,
) -> Reputation:
    """The reputation that ``evidence`` gives at time ``now``."""
    w = weights or Weights()
    positive = negative = 0.0
    count = 0
    for item in evidence:
        amount = w.of(item.kind) * decay(now - item.when, half_life)
        if item.kind is EvidenceKind.FALSE_POSITIVE:
            negative += amount
        else:
            positive += amount
        count += 1
    score = (positive + 1.0) / (positive + negative + 2.0)
    return Reputation(score, positive, negative, trust_level(score), count)
