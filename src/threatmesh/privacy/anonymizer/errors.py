"""Errors of the anonymizer, each naming where the problem is (rule and field).

::

    InvalidInput (400)
    ├── PolicyError         a policy that does not validate: rule index/name and field
    │   └── UnknownTechnique  a rule names a technique that is not registered
    └── TechniqueMismatch   a technique met a value it cannot handle (rule, path, type)
    Forbidden (403)
    └── BudgetExhausted     the recipient's differential-privacy budget is spent
    ThreatmeshError (500)
    └── MissingExtra        an optional dependency is not installed (names the extra)
"""

from __future__ import annotations

from threatmesh.model.errors import Forbidden, InvalidInput, ThreatmeshError


class PolicyError(InvalidInput):
    """A policy document that does not validate."""

    name = "Invalid anonymization policy"


class UnknownTechnique(PolicyError):
    """A rule names a technique no plugin provides."""

    name = "Unknown anonymization technique"


class TechniqueMismatch(InvalidInput):
    """A rule's technique was applied to a value of a kind it cannot transform."""

    name = "Technique does not apply to this value"


class BudgetExhausted(Forbidden):
    """Releasing more noisy statistics would exceed the recipient's epsilon budget."""

    name = "Privacy budget exhausted"


class MissingExtra(ThreatmeshError):
    """An optional dependency of a technique is missing."""

    name = "Missing optional dependency"

    def __init__(self, module: str, extra: str = "privacy") -> None:
        super().__init__(
            f"the anonymizer needs {module!r}: install it with pip install 'threatmesh[{extra}]'"
        )
