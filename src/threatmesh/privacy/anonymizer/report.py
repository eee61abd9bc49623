"""What an anonymization run changed, and by which rule."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    """One field changed by one rule (``after`` is None when it was suppressed)."""

    rule: str
    technique: str
    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class TableReport:
    """A table a rule anonymized, and the k-anonymity it achieved (None: no rows left)."""

    rule: str
    path: str
    rows_in: int
    rows_out: int
    suppressed: int
    k: int | None


@dataclass
class Report:
    """Every change of a run, the tables made k-anonymous and the epsilon spent."""

    changes: list[Change] = field(default_factory=list)
    tables: list[TableReport] = field(default_factory=list)
    epsilon_spent: float = 0.0

    def by_rule(self) -> dict[str, dict[str, int]]:
        """Per rule: how many fields it changed and how many it suppressed."""
        changed: Counter[str] = Counter()
        suppressed: Counter[str] = Counter()
        for c in self.changes:
            (suppressed if c.after is None else changed)[c.rule] += 1
        rules = sorted(set(changed) | set(suppressed))
        return {r: {"changed": changed[r], "suppressed": suppressed[r]} for r in rules}

    def to_dict(self, *, with_values: bool = True) -> dict[str, Any]:
        """A JSON-able form; without values, only paths and rules (safe to log)."""
        changes = [
            {
                "rule": c.rule,
                "technique": c.technique,
                "path": c.path,
                **({"before": c.before, "after": c.after} if with_values else {}),
            }
            for c in self.changes
        ]
        return {
            "rules": self.by_rule(),
            "changes": changes,
            "tables": [vars_of(t) for t in self.tables],
            "epsilon_spent": self.epsilon_spent,
        }


def vars_of(t: TableReport) -> dict[str, Any]:
    """A table report as a dict."""
    return {
        "rule": t.rule,
        "path": t.path,
        "rows_in": t.rows_in,
        "rows_out": t.rows_out,
        "suppressed": t.suppressed,
        "k": t.k,
    }
