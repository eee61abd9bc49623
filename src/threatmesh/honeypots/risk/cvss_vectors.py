"""CVSS base vectors: the attack vector and the base score, from the vector alone.

Versions 2.0 and 3.x are scored with their specifications' base equations (FIRST's CVSS
v2 guide, section 3.2.1; CVSS v3.1 specification, section 7.1, with its ``Roundup``).
Version 4.0's score needs FIRST's macro-vector lookup table, so for a 4.0 vector only the
attack vector is read and the score must come with it (MISP's vulnerability object has
both ``cvss-score`` and ``cvss-string``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from threatmesh.model.errors import InvalidInput

__all__ = ["AttackVector", "Cvss", "parse_vector"]


class AttackVector(StrEnum):
    """How far away an attacker may be (the ``AV`` metric)."""

    NETWORK = "N"
    ADJACENT = "A"
    LOCAL = "L"
    PHYSICAL = "P"


@dataclass(frozen=True, slots=True)
class Cvss:
    """What a vector says: its version, attack vector, base score (None for 4.0) and its
    Exploit Code Maturity (the temporal/threat ``E`` metric; "" when not given)."""

    version: str
    attack_vector: AttackVector
    base_score: float | None
    exploit: str = ""


def _metrics(parts: list[str], vector: str) -> dict[str, str]:
    metrics: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if not sep or not key or not value or key in metrics:
            raise InvalidInput(f"CVSS vector {vector!r}: {part!r} is not a metric")
        metrics[key] = value
    return metrics


def parse_vector(vector: str) -> Cvss:
    """The version, attack vector and base score of a CVSS 2.0, 3.0, 3.1 or 4.0 vector.

    Raises InvalidInput naming the vector and the first metric that is wrong."""
    text = vector.strip().strip("()")
    parts = [p for p in text.split("/") if p]
    if parts and parts[0].startswith("CVSS:"):
        version = parts[0].removeprefix("CVSS:")
        metrics = _metrics(parts[1:], vector)
    else:
        version, metrics = "2.0", _metrics(parts, vector)
    exploit = metrics.get("E", "")
    exploit = "" if exploit in {"X", "ND"} else exploit
    try:
        if version in {"3.0", "3.1"}:
            return Cvss(version, AttackVector(metrics["AV"]), _score_v3(metrics), exploit)
        if version == "2.0":
            return Cvss(version, _V2_AV_NAMES[metrics["AV"]], _score_v2(metrics), exploit)
        if version == "4.0":
            return Cvss(version, AttackVector(metrics["AV"]), None, exploit)
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"CVSS vector {vector!r}: missing or unknown metric ({exc})") from None
    raise InvalidInput(f"CVSS vector {vector!r}: unknown version {version!r}")


# CVSS v3.1 specification, section 7.4 (metric values).
_V3_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_V3_AC = {"L": 0.77, "H": 0.44}
_V3_PR = {"N": (0.85, 0.85), "L": (0.62, 0.68), "H": (0.27, 0.5)}  # (unchanged, changed)
_V3_UI = {"N": 0.85, "R": 0.62}
_V3_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}


def _roundup(value: float) -> float:
    """CVSS v3.1's ``Roundup``: the smallest one-decimal number >= value, computed on
    integers so that 4.000000001 is not rounded to 4.1 by floating-point noise."""
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000
    return (math.floor(scaled / 10_000) + 1) / 10.0


def _score_v3(m: dict[str, str]) -> float:
    changed = {"U": False, "C": True}[m["S"]]
    iss = 1 - (1 - _V3_CIA[m["C"]]) * (1 - _V3_CIA[m["I"]]) * (1 - _V3_CIA[m["A"]])
    if changed:
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    else:
        impact = 6.42 * iss
    exploitability = 8.22 * _V3_AV[m["AV"]] * _V3_AC[m["AC"]] * _V3_UI[m["UI"]]
    exploitability *= _V3_PR[m["PR"]][changed]
    if impact <= 0:
        return 0.0
    total = impact + exploitability
    return _roundup(min(1.08 * total if changed else total, 10.0))


# CVSS v2 guide, section 3.2.1.
_V2_AV_NAMES = {"N": AttackVector.NETWORK, "A": AttackVector.ADJACENT, "L": AttackVector.LOCAL}
_V2_AV = {"L": 0.395, "A": 0.646, "N": 1.0}
_V2_AC = {"H": 0.35, "M": 0.61, "L": 0.71}
_V2_AU = {"M": 0.45, "S": 0.56, "N": 0.704}
_V2_CIA = {"N": 0.0, "P": 0.275, "C": 0.660}


def _score_v2(m: dict[str, str]) -> float:
    impact = 10.41 * (1 - (1 - _V2_CIA[m["C"]]) * (1 - _V2_CIA[m["I"]]) * (1 - _V2_CIA[m["A"]]))
    exploitability = 20 * _V2_AV[m["AV"]] * _V2_AC[m["AC"]] * _V2_AU[m["Au"]]
    f_impact = 0.0 if impact == 0 else 1.176
    # The guide rounds half up to one decimal (Python's round() is half-even).
    return math.floor((0.6 * impact + 0.4 * exploitability - 1.5) * f_impact * 10 + 0.5) / 10
