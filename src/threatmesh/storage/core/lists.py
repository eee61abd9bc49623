"""``column IN (list)`` with the whole list bound as one parameter.

SQLAlchemy's expanding ``IN`` renders one placeholder per element at every execution,
and the driver then handles thousands of parameters: for the 10,000 values of a big
event that was a quarter of ``events/add`` on PostgreSQL (psycopg re-parses the long
statement on every call, since it differs each time). :func:`in_list` binds the list
as one value instead:

- PostgreSQL: ``column = ANY(CAST(:list AS type[]))`` (an array parameter);
- SQLite: ``column IN (SELECT value FROM json_each(:list))`` (a JSON array parameter).

Both are served by an index on ``column`` as a literal list would be, and the
statement text is the same whatever the list's length, so it is compiled and cached
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType
from sqlalchemy.types import TypeDecorator, TypeEngine


class _ListOf(TypeDecorator[list[Any]]):
    """A list bound as a PostgreSQL array of ``item`` or as JSON text elsewhere."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            raise ValueError("in_list: a list is required, not None")
        items = list(value)
        return items if dialect.name == "postgresql" else orjson.dumps(items).decode()


class InList(ColumnElement[bool]):
    """``column IN (the list bound to parameter name)``; see the module docstring."""

    inherit_cache = True
    type = sa.Boolean()
    # A comparison, not a boolean value: without this SQLite would get "... = 1",
    # which no index serves.
    _is_implicitly_boolean = True
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012 (SQLAlchemy reads it per class)
        ("column", InternalTraversal.dp_clauseelement),
        ("param", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.param = sa.bindparam(name, type_=_ListOf(column.type))


def in_list(column: ColumnElement[Any], name: str) -> InList:
    """``column IN (...)`` with the list passed at execution as parameter ``name`` (any
    iterable of the column's Python type)."""
    return InList(column, name)


def as_list(values: Iterable[Any]) -> list[Any]:
    """``values`` as the parameter of an :func:`in_list` (sorted, without duplicates:
    the same list always binds the same way)."""
    return sorted(set(values))


@compiles(InList)
def _json_each(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.param, **kw)}))"


@compiles(InList, "postgresql")
def _any_array(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    item = compiler.dialect.type_compiler_instance.process(element.column.type)
    return f"{column} = ANY(CAST({compiler.process(element.param, **kw)} AS {item}[]))"
