"""Differentially private statistics of an event: counts released with noise.

A histogram (attributes per category, per type) changes by at most 1 in one bin when
one attribute is added or removed, so the whole histogram costs ``epsilon`` once
(parallel composition); each statistic asked for costs its own ``epsilon``
(sequential composition).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from threatmesh.privacy.anonymizer.dp import noisy_count
from threatmesh.privacy.anonymizer.technique import Random

STATISTICS = ("attributes_by_category", "attributes_by_type", "sightings")


@dataclass(frozen=True, slots=True)
class Release:
    """Noisy statistics and the epsilon their release spends."""

    values: dict[str, Any]
    epsilon: float


def _attributes(event: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield from event.get("Attribute") or ()
    for obj in event.get("Object") or ():
        yield from obj.get("Attribute") or ()


def true_counts(event: dict[str, Any]) -> dict[str, Any]:
    """The exact statistics (kept by the owner; never released as such)."""
    attrs = list(_attributes(event))
    return {
        "attributes_by_category": dict(Counter(str(a.get("category", "")) for a in attrs)),
        "attributes_by_type": dict(Counter(str(a.get("type", "")) for a in attrs)),
        "sightings": sum(len(a.get("Sighting") or ()) for a in attrs),
    }


def release(
    event: dict[str, Any], wanted: Sequence[str], *, epsilon: float, mechanism: str, rng: Random
) -> Release:
    """The statistics in ``wanted``, each with noise for ``epsilon``."""
    unknown = sorted(set(wanted) - set(STATISTICS))
    if unknown or not wanted:
        raise ValueError(f"statistics: choose from {', '.join(STATISTICS)}; got {unknown or []}")
    exact = true_counts(event)
    out: dict[str, Any] = {}
    for name in dict.fromkeys(wanted):
        value = exact[name]
        if isinstance(value, dict):
            out[name] = {
                k: noisy_count(rng, v, epsilon=epsilon, sensitivity=1, mechanism=mechanism)
                for k, v in sorted(value.items())
            }
        else:
            out[name] = noisy_count(rng, value, epsilon=epsilon, sensitivity=1, mechanism=mechanism)
    return Release(out, epsilon * len(out))
