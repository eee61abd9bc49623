"""The value index: attribute values are found through a 4-byte key, not a copy of them.

restSearch by value, sightings by value, reputation evidence and correlation ask one
thing of the value index: which attributes carry exactly this value. A b-tree over the
values themselves held every value a second time (41 B per attribute on SQLite, 63 B on
PostgreSQL: the second-largest structure after the UUID index). Here each attribute
row stores ``value1_key`` (and ``value2_key`` for compound values), a 32-bit BLAKE2b key
of the value, and only those keys are indexed. A lookup reads the rows whose key matches
and compares the value itself, so a key collision (about one row in 4 billion per
lookup) costs a row read and never a wrong answer.

Every predicate here pairs the key with the value, so it selects exactly the rows that
``value1 = X`` would; the key is only what lets the database use the index. Rows get
their keys in :func:`threatmesh.storage.events.writes.attribute_row`, the one builder every
insert and update of a value goes through.

Keys are not secret: someone allowed to add attributes could craft values that share a
key with a value they want to slow down (2^32 tries). That costs lookups of that value
a row read per crafted attribute, bounded by what the attacker may write; it changes
no result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause


def value_key(value: str) -> int:
    """The signed 32-bit key of ``value`` (the first 4 bytes of its BLAKE2b digest)."""
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def row_keys(value1: str, value2: str) -> dict[str, int | None]:
    """The key columns of an ``attributes`` row (no ``value2_key`` without a value2)."""
    return {"value1_key": value_key(value1), "value2_key": value_key(value2) if value2 else None}


def value1_is(attr: FromClause, value: Any, key: Any = None) -> ColumnElement[bool]:
    """``attr.value1 = value``, spelled so the key index serves it.

    ``value`` is a string or a bound parameter; with a parameter, ``key`` must be the
    parameter that will hold its key.
    """
    k = value_key(value) if key is None else key
    return sa.and_(attr.c.value1_key == k, attr.c.value1 == value)


def value2_is(attr: FromClause, value: Any, key: Any = None) -> ColumnElement[bool]:
    """``attr.value2 = value`` for a non-empty value (see :func:`value1_is`)."""
    k = value_key(value) if key is None else key
    return sa.and_(attr.c.value2_key == k, attr.c.value2 == value)


def value1_in(attr: FromClause, values: Sequence[str]) -> ColumnElement[bool]:
    """``attr.value1 IN values`` through the key index."""
    keys = sorted({value_key(v) for v in values})
    return sa.and_(attr.c.value1_key.in_(keys), attr.c.value1.in_(values))


def value2_in(attr: FromClause, values: Sequence[str]) -> ColumnElement[bool]:
    """``attr.value2 IN values`` (non-empty values) through the key index."""
    keys = sorted({value_key(v) for v in values if v})
    return sa.and_(attr.c.value2_key.in_(keys), attr.c.value2.in_(values))
