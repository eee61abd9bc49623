"""k-anonymity of tabular data by full-domain generalisation (Samarati, Sweeney).

Each quasi-identifier column has a generalisation hierarchy: level 0 is the exact
value, the top level says nothing (``*``, ``0.0.0.0/0``, epoch 0). The search walks the
lattice of level vectors by increasing total level and keeps the first vector under
which every equivalence class has at least ``k`` rows, after suppressing at most
``max_suppression`` of the rows (the outliers in classes smaller than ``k``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Generaliser = Callable[[str, int], str]


def _time(value: str, level: int) -> str:
    if level == 0 or not value.isdigit():
        return value if level == 0 else "0"
    when = dt.datetime.fromtimestamp(int(value), dt.UTC)
    if level == 1:
        when = when.replace(hour=0, minute=0, second=0)
    elif level == 2:
        when = when.replace(day=1, hour=0, minute=0, second=0)
    elif level == 3:
        when = when.replace(month=1, day=1, hour=0, minute=0, second=0)
    else:
        return "0"
    return str(int(when.timestamp()))


def _ip(value: str, level: int) -> str:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value if level == 0 else "*"
    step = 8 if net.version == 4 else 16
    wanted = max(0, net.max_prefixlen - level * step) if level < 4 else 0
    if net.prefixlen <= wanted:
        return str(net)
    return str(net.supernet(new_prefix=wanted))


def _suppress(value: str, level: int) -> str:
    return value if level == 0 else "*"


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A generalisation hierarchy: ``levels`` steps above the exact value."""

    levels: int
    generalise: Generaliser


def prefix_hierarchy(keep: Sequence[int]) -> Hierarchy:
    """Keep the first ``keep[i - 1]`` characters at level ``i`` (then ``*``)."""

    def generalise(value: str, level: int) -> str:
        if level == 0:
            return value
        if level > len(keep) or keep[level - 1] == 0:
            return "*"
        return value[: keep[level - 1]] + "*"

    return Hierarchy(len(keep) + 1, generalise)


def range_hierarchy(widths: Sequence[int]) -> Hierarchy:
    """Numbers into intervals of ``widths[i - 1]`` at level ``i`` (``"20-29"``), then ``*``."""

    def generalise(value: str, level: int) -> str:
        if level == 0:
            return value
        if level > len(widths):
            return "*"
        try:
            n = int(float(value))
        except ValueError:
            return "*"
        w = widths[level - 1]
        low = n // w * w
        return f"{low}-{low + w - 1}"

    return Hierarchy(len(widths) + 1, generalise)


HIERARCHIES: dict[str, Hierarchy] = {
    "time": Hierarchy(4, _time),
    "ip": Hierarchy(4, _ip),
    "suppress": Hierarchy(1, _suppress),
}


@dataclass(frozen=True, slots=True)
class Anonymized:
    """Rows after enforcement, the levels chosen, and the k the rows achieve."""

    rows: list[dict[str, str]]
    levels: dict[str, int]
    k: int | None
    suppressed: int


def measured_k(rows: Sequence[Mapping[str, str]], columns: Iterable[str] | None) -> int | None:
    """The size of the smallest equivalence class on ``columns`` (all columns if None);
    None for no rows."""
    if not rows:
        return None
    # Columns starting with "_" are bookkeeping (row ids), not data.
    every = {c for r in rows for c in r if not c.startswith("_")}
    cols = sorted(every) if columns is None else list(columns)
    classes = Counter(tuple(r.get(c, "") for c in cols) for r in rows)
    return min(classes.values())


def _apply(
    rows: Sequence[Mapping[str, str]], qis: Mapping[str, Hierarchy], levels: Sequence[int]
) -> list[dict[str, str]]:
    out = []
    for row in rows:
        new = dict(row)
        for (col, h), level in zip(qis.items(), levels, strict=True):
            if col in new:
                new[col] = h.generalise(new[col], level)
        out.append(new)
    return out


def enforce(
    rows: Sequence[Mapping[str, str]],
    qis: Mapping[str, Hierarchy],
    *,
    k: int,
    max_suppression: float = 0.0,
) -> Anonymized:
    """Generalise ``rows`` minimally so each class on ``qis`` has >= ``k`` rows."""
    if k < 1:
        raise ValueError("k must be at least 1")
    budget = int(max_suppression * len(rows))
    vectors = sorted(
        itertools.product(*(range(h.levels + 1) for h in qis.values())), key=lambda v: (sum(v), v)
    )
    cols = list(qis)
    for vector in vectors:
        generalised = _apply(rows, qis, vector)
        sizes = Counter(tuple(r.get(c, "") for c in cols) for r in generalised)
        kept = [r for r in generalised if sizes[tuple(r.get(c, "") for c in cols)] >= k]
        if len(rows) - len(kept) <= budget:
            return Anonymized(
                kept,
                dict(zip(cols, vector, strict=True)),
                measured_k(kept, cols),
                len(rows) - len(kept),
            )
    # Even fully generalised there are fewer than k rows: release none.
    return Anonymized([], dict.fromkeys(cols, 0), None, len(rows))
