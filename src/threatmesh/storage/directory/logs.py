"""MISP's log of user actions (the ``logs`` table): append an entry, search entries.

Entries are appended inside the transaction of the action they describe, so an action
and its entry commit or roll back together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.directory.tables import logs as L

#: Columns a search may filter on (MISP's ``LogsController::index`` parameters).
FILTERABLE = ("id", "title", "model", "model_id", "action", "user_id", "change", "email",
              "org", "description", "ip")  # fmt: skip
_NUMERIC = frozenset({"id", "model_id", "user_id"})


@dataclass(frozen=True, slots=True)
class LogQuery:
    """A search: per column, values any of which may match (a value starting or ending
    with ``%`` is a case-insensitive ``LIKE`` pattern, any other an exact value);
    ``created`` bounds (epoch seconds, inclusive); the caller's scope (``org`` or
    ``user_id`` every entry must have, None: all); a page of ``limit`` entries."""

    values: Mapping[str, Sequence[str | int]] = field(default_factory=dict)
    created_from: int | None = None
    created_to: int | None = None
    scope_org: str | None = None
    scope_user_id: int | None = None
    limit: int | None = None
    page: int = 1


def add(conn: Connection, entry: dict[str, Any]) -> None:
    """Append one entry (``created``, ``model``, ``action`` and what else it names)."""
    conn.execute(L.insert().values(**entry))


def _matches(column: str, wanted: Sequence[str | int]) -> sa.ColumnElement[bool]:
    col = L.c[column]
    conditions: list[sa.ColumnElement[bool]] = []
    for value in wanted:
        text = str(value)
        if column not in _NUMERIC and (text.startswith("%") or text.endswith("%")):
            conditions.append(sa.func.lower(col).like(text.lower()))
        elif column in _NUMERIC:
            conditions.append(col == int(value))
        else:
            conditions.append(col == text)
    return sa.or_(*conditions)


def search(conn: Connection, query: LogQuery) -> list[RowMapping]:
    """The entries ``query`` selects, oldest first (MISP's unordered ``find('all')``
    reads them in id order)."""
    select = sa.select(L).order_by(L.c.id)
    for column, wanted in query.values.items():
        if wanted:
            select = select.where(_matches(column, wanted))
    if query.created_from is not None:
        select = select.where(L.c.created >= query.created_from)
    if query.created_to is not None:
        select = select.where(L.c.created <= query.created_to)
    if query.scope_org is not None:
        select = select.where(L.c.org == query.scope_org)
    if query.scope_user_id is not None:
        select = select.where(L.c.user_id == query.scope_user_id)
    if query.limit is not None:
        select = select.limit(query.limit).offset(query.limit * (query.page - 1))
    return list(conn.execute(select).mappings())
