"""Correlation exclusions (MISP's ``CorrelationExclusion``): values that never correlate.

MISP reads an exclusion as a rule (``Correlation::__preventExcludedCorrelations``):
``%abc%`` excludes values containing ``abc``, ``%abc`` values ending with it, ``abc%``
values starting with it, anything else that exact value. MISP drops stored
correlations when an exclusion is added (``clean``) and correlates the value again
when it is removed; correlations are computed on read here
(:mod:`threatmesh.storage.correlation`), so the rule applies at once, both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.collab.tables import correlation_exclusions as X


def rule(value: str) -> tuple[str, str]:
    """``(match, stem)`` of an exclusion value: how it matches, and on what."""
    if len(value) >= 2 and value.startswith("%") and value.endswith("%"):
        return "contains", value[1:-1]
    if value.startswith("%"):
        return "suffix", value[1:]
    if value.endswith("%") and len(value) > 1:
        return "prefix", value[:-1]
    return "exact", value


def matches(value: str, match: str, stem: str) -> bool:
    """Whether the rule ``(match, stem)`` excludes ``value`` (MISP's semantics)."""
    if match == "contains":
        return stem in value
    if match == "suffix":
        return value.endswith(stem)
    if match == "prefix":
        return value.startswith(stem)
    return value == stem


def entries(conn: Connection, match: dict[str, str]) -> list[RowMapping]:
    """The exclusions by value; ``match`` narrows them (``value``, ``comment``: ``%``
    wildcards, case-insensitive)."""
    q = sa.select(X).order_by(X.c.value)
    for column, pattern in match.items():
        q = q.where(sa.func.lower(X.c[column]).like(pattern.lower()))
    return list(conn.execute(q).mappings())


def find(conn: Connection, ref: str) -> RowMapping | None:
    """The exclusion with id ``ref``."""
    num = as_id(ref)
    if num is None:
        return None
    return conn.execute(sa.select(X).where(X.c.id == num)).mappings().first()


def by_value(conn: Connection, value: str) -> RowMapping | None:
    """The exclusion of exactly ``value``."""
    return conn.execute(sa.select(X).where(X.c.value == value)).mappings().first()


def add(conn: Connection, value: str, comment: str, from_json: bool = False) -> int:
    """Store an exclusion (the caller checked it is new); its id."""
    match, stem = rule(value)
    values = {"value": value, "comment": comment, "from_json": from_json}
    stmt = X.insert().values(**values, match=match, stem=stem).returning(X.c.id)
    return int(conn.execute(stmt).scalar_one())


def set_comment(conn: Connection, entry_id: int, comment: str) -> None:
    """Change an exclusion's comment (its value is what it is)."""
    conn.execute(X.update().where(X.c.id == entry_id).values(comment=comment))


def delete(conn: Connection, entry_id: int) -> None:
    """Remove an exclusion: its values correlate again."""
    conn.execute(X.delete().where(X.c.id == entry_id))


def excluded(conn: Connection, values: Iterable[str]) -> set[str]:
    """Which of ``values`` an exclusion covers."""
    rules = [(r.match, r.stem) for r in conn.execute(sa.select(X.c.match, X.c.stem))]
    if not rules:
        return set()
    return {v for v in set(values) if any(matches(v, m, s) for m, s in rules)}


def excludes(value: Any) -> sa.ColumnElement[bool]:
    """SQL: an exclusion covers ``value`` (a column or an expression), for statements
    that correlate in the database. An empty exclusion table makes it one probe."""
    n = sa.func.length(X.c.stem)
    covered = sa.or_(
        sa.and_(X.c.match == "exact", X.c.stem == value),
        sa.and_(X.c.match == "prefix", sa.func.substr(value, 1, n) == X.c.stem),
        sa.and_(
            X.c.match == "suffix",
            sa.func.length(value) >= n,
            sa.func.substr(value, sa.func.length(value) - n + 1) == X.c.stem,
        ),
        # ``replace`` finds a substring alike in SQLite and PostgreSQL (no LIKE, whose
        # ``_`` and escapes the stem would have to dodge).
        sa.and_(
            X.c.match == "contains",
            sa.func.length(sa.func.replace(value, X.c.stem, "")) < sa.func.length(value),
        ),
        sa.and_(X.c.match == "contains", X.c.stem == ""),
    )
    # A count, not EXISTS: on PostgreSQL ``storage.correlation.related`` keeps EXISTS out
    # of its statement (see there); this one reads only the small exclusion table.
    return sa.select(sa.func.count()).where(covered).scalar_subquery() > 0
