"""``suppress``: remove the value (an attribute is dropped, a text field emptied)."""

from __future__ import annotations

from collections.abc import Sequence

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.technique import TableResult, Technique, register


@register
class Suppress(Technique):
    """Suppression. Timestamps and counts cannot be absent from a MISP event, so they
    are generalised or noised instead."""

    name = "suppress"
    kinds = kinds.ALL_KINDS - {kinds.TIMESTAMP, kinds.NUMBER}

    def value(self, value: str, kind: str) -> str | None:
        return None

    def table(self, rows: Sequence[dict[str, str]]) -> TableResult:
        return TableResult(rows=[], k=None, suppressed=len(rows))
