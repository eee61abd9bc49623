"""``keep``: leave the value as it is (to let a later, broader rule not catch it)."""

from __future__ import annotations

from collections.abc import Sequence

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.kanon import measured_k
from threatmesh.privacy.anonymizer.technique import TableResult, Technique, register


@register
class Keep(Technique):
    """Pass values through unchanged."""

    name = "keep"
    kinds = kinds.ALL_KINDS

    def value(self, value: str, kind: str) -> str | None:
        return value

    def number(self, value: float) -> float:
        return value

    def table(self, rows: Sequence[dict[str, str]]) -> TableResult:
        return TableResult(rows=list(rows), k=measured_k(rows, None), suppressed=0)
