"""Coercion of loosely typed MISP JSON fields, with errors that say where.

MISP clients send ids and enums as strings or numbers, booleans as ``true``, ``1`` or
``"1"``, timestamps as epoch seconds or strings. These helpers accept what MISP accepts
and raise :class:`~threatmesh.model.errors.InvalidInput` naming the field's path.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from threatmesh.model.errors import InvalidInput

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
_TRUE = frozenset({True, "1", "true", "True", "yes"})
_FALSE = frozenset({False, "0", "false", "False", "no", "", None})
#: The largest integer the databases store (64-bit signed).
MAX_INT = 2**63 - 1


def as_id(text: str) -> int | None:
    """``text`` as a database id when it is ASCII digits within 64 bits, else None.

    (``str.isdigit`` also accepts digits such as ``"²"`` that ``int`` rejects, and a
    longer number can name no row: callers treat None as "not an id".)"""
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_INT:
        return int(text)
    return None


def where(path: str, key: str) -> str:
    """Join a JSON path and a key for error messages (``Event.Attribute[3].value``)."""
    return f"{path}.{key}" if path else key


def as_dict(value: Any, path: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an error naming ``path``."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise InvalidInput(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    """``value`` if it is a JSON array (None counts as empty), else an error."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        # PyMISP and MISP sometimes send a single element where a list is expected.
        return [value]
    if not isinstance(value, list):
        raise InvalidInput(f"{path}: expected a JSON array, got {type(value).__name__}")
    return value


def as_bool(value: Any, path: str) -> bool:
    """A MISP boolean (``true``/``1``/``"1"``)."""
    if isinstance(value, Mapping | list):
        raise InvalidInput(f"{path}: expected a boolean, got {type(value).__name__}")
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInput(f"{path}: expected a boolean, got {value!r}")


# The field_* helpers read ``data[key]`` and build the field's path (for the message)
# only when the value is not already of the expected type: a 10,000-attribute event
# has 150,000 fields, nearly all well-formed.


def field_bool(data: Mapping[str, Any], key: str, path: str, *, default: bool = False) -> bool:
    """``data[key]`` as a MISP boolean, ``default`` when absent."""
    value = data.get(key, default)
    if value is True or value is False:
        return value
    return as_bool(value, where(path, key))


def field_str(data: Mapping[str, Any], key: str, path: str, *, max_len: int | None = None) -> str:
    """``data[key]`` as a string, ``""`` when absent, null or empty."""
    value = data.get(key)
    if not value:
        return ""
    if type(value) is str and (max_len is None or len(value) <= max_len) and "\x00" not in value:
        return value
    return as_str(value, where(path, key), max_len=max_len)


def as_int(value: Any, path: str, *, allowed: frozenset[int] | None = None) -> int:
    """An integer given as a number or a string of digits, optionally from a set."""
    if isinstance(value, bool):
        raise InvalidInput(f"{path}: expected an integer, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput(f"{path}: expected an integer, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path}: expected an integer, got {value!r}") from None
    if not -MAX_INT <= number <= MAX_INT:
        raise InvalidInput(f"{path}: {value!r} is out of range (64-bit integers)")
    if allowed is not None and number not in allowed:
        raise InvalidInput(f"{path}: {number} is not one of {sorted(allowed)}")
    return number


def as_str(value: Any, path: str, *, max_len: int | None = None) -> str:
    """A string (numbers are accepted and turned into strings, as MISP does)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        raise InvalidInput(f"{path}: expected a string, got {type(value).__name__}")
    if max_len is not None and len(text) > max_len:
        raise InvalidInput(f"{path}: longer than {max_len} characters")
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text; refuse it everywhere so both backends agree.
        raise InvalidInput(f"{path}: NUL characters are not allowed")
    return text


def nul_path(document: Any) -> str | None:
    """The path of the first string (or key) holding a NUL character in a JSON
    document (``Event.Attribute[3].comment``), or None. Iterative: a deeply nested
    document must not exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path or "request body"
        elif isinstance(node, dict):
            for key, child in reversed(node.items()):
                if "\x00" in key:
                    return f"{where(path, repr(key))} (a field name)"
                stack.append((where(path, key), child))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", child) for i, child in reversed(list(enumerate(node))))
    return None


def as_colour(raw: Any, path: str) -> str | None:
    """A tag colour, ``#RRGGBB`` as MISP's ``Tag::validateColour`` requires; None if absent."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _COLOUR_RE.fullmatch(raw):
        raise InvalidInput(f"{path}: {raw!r} is not a colour (#RRGGBB)")
    return raw


def as_uuid(value: Any, path: str) -> str:
    """A UUID in canonical lower-case form."""
    if not isinstance(value, str) or not _UUID_RE.match(value):
        raise InvalidInput(f"{path}: {value!r} is not a UUID")
    return value.lower()


def uuid_or_new(data: Mapping[str, Any], path: str) -> str:
    """The ``uuid`` field of ``data``, or a fresh random UUID when absent."""
    raw = data.get("uuid")
    if raw is None or raw == "":
        return str(uuidlib.uuid4())
    if type(raw) is str and _UUID_RE.match(raw):
        return raw.lower()
    return as_uuid(raw, where(path, "uuid"))


def as_timestamp(value: Any, path: str, default: int) -> int:
    """Epoch seconds; ``default`` when absent or zero (MISP stamps on save).

    Deviation: MISP stores a negative timestamp as sent; a modification or publication
    time before 1970 means nothing (and would sort first in every sync), so we refuse it."""
    if value in (None, "", 0, "0"):
        return default
    if isinstance(value, str) and not value.isdigit():
        seconds = int(_parse_datetime(value, path).timestamp())
    else:
        seconds = as_int(value, path)
    if seconds < 0:
        raise InvalidInput(f"{path}: {value!r} is before 1970 (timestamps are epoch seconds)")
    return seconds


def as_date(value: Any, path: str, default: dt.date) -> dt.date:
    """A calendar date (``YYYY-MM-DD``, or a datetime/epoch that is cut to its date)."""
    if value in (None, ""):
        return default
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise InvalidInput(f"{path}: {value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            raise InvalidInput(f"{path}: {value!r} is not a date (out of range)") from None
    raise InvalidInput(f"{path}: {value!r} is not a date (YYYY-MM-DD)")


def as_seen(value: Any, path: str) -> int | None:
    """``first_seen``/``last_seen`` as integer microseconds since the epoch."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # MISP stores microseconds; a number that small is seconds.
        micro = int(value * 1_000_000) if abs(value) < 10**11 else int(value)
        if abs(micro) > MAX_INT:
            raise InvalidInput(f"{path}: {value!r} is out of range")
        return micro
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > 19:
            raise InvalidInput(f"{path}: {value!r} is out of range")
        return as_seen(int(value), path)
    if isinstance(value, str):
        moment = _parse_datetime(value, path)
        return int(moment.timestamp() * 1_000_000)
    raise InvalidInput(f"{path}: {value!r} is not a date-time")


def _parse_datetime(value: str, path: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{path}: {value!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
