"""``kanonymity``: enforce k-anonymity on tables carried by events (sightings, victims)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field

from threatmesh.privacy.anonymizer import kanon, kinds
from threatmesh.privacy.anonymizer.technique import (
    StrictParams,
    TableResult,
    Technique,
    register,
)


class QuasiIdentifier(StrictParams):
    """The generalisation hierarchy of one column."""

    hierarchy: Literal["time", "ip", "suppress", "prefix", "range"]
    #: ``prefix``: characters kept at each level above the exact value.
    keep: list[int] = Field(default_factory=lambda: [4, 2, 0])
    #: ``range``: interval width at each level.
    widths: list[int] = Field(default_factory=lambda: [10, 100])

    def build(self) -> kanon.Hierarchy:
        """The hierarchy this describes."""
        if self.hierarchy == "prefix":
            return kanon.prefix_hierarchy(self.keep)
        if self.hierarchy == "range":
            return kanon.range_hierarchy(self.widths)
        return kanon.HIERARCHIES[self.hierarchy]


class Params(StrictParams):
    """k, the quasi-identifiers, identifying columns to drop, and the share of rows that
    may be suppressed rather than generalising everything further."""

    k: int = Field(default=2, ge=1, le=1000)
    quasi_identifiers: dict[str, QuasiIdentifier] = Field(min_length=1)
    identifiers: list[str] = Field(default_factory=list)
    max_suppression: float = Field(default=0.0, ge=0, le=1)


@register
class KAnonymity(Technique):
    """Full-domain generalisation to k-anonymity; reports the k achieved."""

    name = "kanonymity"
    kinds = frozenset({kinds.TABLE})
    Params = Params
    example: ClassVar[dict[str, Any]] = {
        "k": 2,
        "quasi_identifiers": {"source": {"hierarchy": "prefix"}},
    }

    def table(self, rows: Sequence[dict[str, str]]) -> TableResult:
        p = self.params
        assert isinstance(p, Params)
        dropped = [{c: v for c, v in r.items() if c not in p.identifiers} for r in rows]
        qis = {col: qi.build() for col, qi in p.quasi_identifiers.items()}
        done = kanon.enforce(dropped, qis, k=p.k, max_suppression=p.max_suppression)
        return TableResult(rows=done.rows, k=done.k, suppressed=done.suppressed)
