"""Decay scores, as MISP computes them (``Model/DecayingModelsFormulas/*.php``).

The *base score* (``computeBasescore``) comes from the tags: attribute tags override event
tags of the same base name (``ns:pred`` for ``ns:pred="v"``, ``ns`` for ``ns:pred``), and
the tags whose base is in the model's ``base_score_config`` and that carry a numerical
value are weighted by their share of the configured ratios. Without such a tag the base
score is ``default_base_score``.

The *score* of the ``Polynomial`` formula is
``base * (1 - (elapsed / (lifetime * 86400)) ** (1 / decay_speed))``, floored at 0 (and 0
for an elapsed time below 0), where ``elapsed = now - t`` and ``t`` is the last sighting's
time, else ``last_seen``, else the attribute's ``timestamp`` — and ``last_seen`` (else
``timestamp``) when the attribute was modified after that sighting. ``PolynomialExtended``
also drops to 0 once a ``retention`` tag's period since ``timestamp`` is over;
``Sightings`` scales the base score by the share of true-positive sightings. An attribute
is *decayed* when ``threshold > score``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmesh.model.errors import NotFound
from threatmesh.model.library.decaying_models import DecayingModel

__all__ = [
    "DecayScore",
    "ScoredTag",
    "base_score",
    "decay_score",
    "last_activity",
    "polynomial_score",
    "prioritised_tags",
    "tag_basename",
]

_DAY = 24 * 60 * 60
_TRIPLE = re.compile(r'^[^:="]+:[^:="]+="[^:="]+"$', re.IGNORECASE)
_DOUBLE = re.compile(r'^[^:="]+:[^:="]+$', re.IGNORECASE)
_TRUE_POSITIVE = 0
_FORMULAS = frozenset({"Polynomial", "PolynomialExtended", "Sightings"})


@dataclass(frozen=True, slots=True)
class ScoredTag:
    """A tag as the scorer sees it: its name and its ``numerical_value`` (None if unset)."""

    name: str
    numerical_value: float | None = None


@dataclass(frozen=True, slots=True)
class DecayScore:
    """One item of an attribute's ``decay_score`` (MISP adds ``DecayingModel {id, name}``)."""

    score: float
    base_score: float
    decayed: bool


def tag_basename(name: str) -> str:
    """``ns:pred`` for ``ns:pred="v"``, ``ns`` for ``ns:pred``, the name for other tags."""
    if _TRIPLE.match(name):
        namespace, rest = name.split(":", 1)
        return f"{namespace}:{rest.split('=', 1)[0]}"
    if _DOUBLE.match(name):
        return name.split(":", 1)[0]
    return name


def prioritised_tags(
    event_tags: Sequence[ScoredTag], attribute_tags: Sequence[ScoredTag]
) -> list[ScoredTag]:
    """Event tags with those an attribute tag of the same base overrides replaced
    (``__getPrioritisedTag``): the first such event tag takes the attribute tag's place,
    the others of that base are dropped."""
    tags: dict[int, ScoredTag] = dict(enumerate(event_tags))
    positions: dict[str, list[int]] = {}
    for i, tag in enumerate(event_tags):
        positions.setdefault(tag_basename(tag.name), []).append(i)
    next_position = len(event_tags)
    for tag in attribute_tags:
        overridden = positions.get(tag_basename(tag.name))
        if not overridden:
            tags[next_position] = tag
            next_position += 1
            continue
        tags[overridden[0]] = tag
        for position in overridden[1:]:
            tags.pop(position, None)
    return list(tags.values())


def _ratios(config: Mapping[str, Any], tags: Sequence[ScoredTag]) -> dict[str, float]:
    """Each configured base's share of the ratios of the tags present (``__getRatioScore``)."""
    counted = [
        tag_basename(t.name)
        for t in tags
        if tag_basename(t.name) in config and t.numerical_value is not None
    ]
    total = sum(float(config[base]) for base in counted)
    if not total:
        return {}
    return {base: float(config[base]) / total for base in counted}


def base_score(parameters: Mapping[str, Any], tags: Sequence[ScoredTag]) -> float:
    """The base score of prioritised ``tags`` under a model's ``parameters``."""
    ratios = _ratios(parameters.get("base_score_config") or {}, tags)
    matching = [t for t in tags if tag_basename(t.name) in ratios]
    if not matching:
        default: float = parameters.get("default_base_score", 0)
        return default
    return sum(ratios[tag_basename(t.name)] * (t.numerical_value or 0) for t in matching)


def last_activity(*, timestamp: int, last_seen: int | None, last_sighting: int | None) -> int:
    """The time decay counts from (``computeCurrentScore``)."""
    if last_sighting is not None:
        moment = last_sighting
    else:
        moment = last_seen if last_seen is not None else timestamp
    if timestamp > moment:  # modified after the last sighting
        moment = last_seen if last_seen is not None else timestamp
    return moment


def polynomial_score(parameters: Mapping[str, Any], base: float, elapsed: float) -> float:
    """MISP's ``Polynomial::computeScore``.

    A lifetime or decay speed of 0 (a division by zero in MISP) scores 0.
    """
    if elapsed < 0:
        return 0
    lifetime = float(parameters["lifetime"]) * _DAY
    speed = float(parameters["decay_speed"])
    if lifetime <= 0 or speed == 0:
        return 0
    score = base * (1 - (elapsed / lifetime) ** (1 / speed))
    return 0 if score < 0 else score


def _retention_expired(
    tags: Sequence[ScoredTag], retention: Mapping[str, float], timestamp: int, now: int
) -> bool:
    """``PolynomialExtended``: a ``retention`` tag whose period since ``timestamp`` is over."""
    return any(t.name in retention and now - timestamp > retention[t.name] * _DAY for t in tags)


def _sightings_score(parameters: Mapping[str, Any], base: float, sightings: Sequence[int]) -> float:
    """``Sightings::computeScore``: ``sightings`` are the sighting types (0 = true positive)."""
    settings: Any = parameters.get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    minimum = settings.get("minimum_sightings", 1)
    if len(sightings) < minimum:
        return base
    total = len(sightings) + settings.get("true_positive_offset", 0)
    total += settings.get("false_positive_offset", 0)
    positives = sum(1 for s in sightings if s == _TRUE_POSITIVE)
    positives += settings.get("true_positive_offset", 0)
    return base if not total else positives / total * base


def decay_score(
    model: DecayingModel,
    *,
    timestamp: int,
    last_seen: int | None,
    last_sighting: int | None,
    event_tags: Sequence[ScoredTag],
    attribute_tags: Sequence[ScoredTag],
    now: int,
    retention: Mapping[str, float] | None = None,
    sightings: Sequence[int] = (),
) -> DecayScore:
    """An attribute's score under ``model`` at epoch second ``now``.

    ``last_seen`` and ``last_sighting`` are epoch seconds (``last_sighting`` is the latest
    ``date_sighting`` of the sightings the user may see). ``retention`` maps the
    ``retention`` taxonomy's tags to their numerical values (``PolynomialExtended`` only);
    ``sightings`` lists the sighting types (``Sightings`` only).
    """
    params = model.parameters
    tags = prioritised_tags(event_tags, attribute_tags)
    base = base_score(params, tags)
    formula = _formula_class(model.formula)
    if formula == "Sightings":
        score = _sightings_score(params, base, sightings)
    else:
        moment = last_activity(
            timestamp=timestamp, last_seen=last_seen, last_sighting=last_sighting
        )
        score = polynomial_score(params, base, now - moment)
        if formula == "PolynomialExtended" and _retention_expired(
            tags, retention or {}, timestamp, now
        ):
            score = 0
    threshold = float(params.get("threshold", 0))
    return DecayScore(score=score, base_score=base, decayed=threshold > score)


def _formula_class(formula: str) -> str:
    """The formula class MISP loads: ``Inflector::humanize`` of the name (``""`` is
    polynomial), which must be one of the shipped formula files."""
    words = (formula or "polynomial").replace("_", " ").split(" ")
    name = " ".join(w[:1].upper() + w[1:] for w in words)
    if name not in _FORMULAS:
        raise NotFound(f"The class for `{formula}` was not found or not loaded correctly")
    return name
