"""Canonical JSON: one byte string per value, so a hash over it is reproducible.

Keys sorted, no insignificant whitespace, UTF-8. Restricted to strings, integers,
booleans, null, lists and objects with string keys: for those (and keys inside the
Basic Multilingual Plane, which RFC 8785 sorts by UTF-16 units) this is the JSON
Canonicalization Scheme of RFC 8785. Floats, whose canonical form needs the ECMAScript
number printer, are refused rather than approximated.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from threatmesh.model.errors import InvalidInput


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"{path}: object keys must be strings, not {key!r}")
            _check(item, f"{path}.{key}")
        return
    raise InvalidInput(f"{path}: {type(value).__name__} has no canonical JSON form here")


def canonical_json(value: Any, *, checked: bool = True) -> bytes:
    """The canonical encoding of ``value``; ``checked=False`` skips the type check for
    values built only from those types (an event projection: a large tree)."""
    if checked:
        _check(value, "$")
    # orjson with sorted keys writes exactly what json.dumps(sort_keys=True, compact
    # separators, ensure_ascii=False) does, several times faster on large events.
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sha256_hex(value: Any, *, checked: bool = True) -> str:
    """SHA-256 of the canonical encoding, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value, checked=checked)).hexdigest()
