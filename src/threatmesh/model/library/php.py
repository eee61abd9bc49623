"""The few PHP semantics MISP's loaders and matchers rely on, made explicit.

MISP casts JSON scalars with ``(string)``, tests them with ``empty()``, rounds with
``round()`` and matches PCRE patterns with ``preg_match``. Reproducing its stored values and
matches means reproducing these, quirks included.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["compile_pcre", "is_empty", "is_numeric", "round_half_up", "to_str"]

# PHP's ``(string)`` of a float uses ``precision=14`` and writes exponents as ``1.0E+25``.
_PHP_FLOAT_DIGITS = 14

# PCRE modifiers and their Python equivalents; ``D`` (dollar matches only at the very end)
# and ``S`` (study) change nothing Python needs, ``A`` anchors at the start.
_MODIFIERS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}
_HARMLESS = {"D", "S"}
_BRACKETS = {"(": ")", "[": "]", "{": "}", "<": ">"}
# PHP 8's numeric strings: optional surrounding whitespace, decimal or exponent notation.
_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def to_str(value: object) -> str:
    """PHP's ``(string)$value`` for a JSON scalar (``true`` -> ``"1"``, ``null`` -> ``""``)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        return _float_to_str(value)
    return str(value)


def _float_to_str(value: float) -> str:
    text = f"{value:.{_PHP_FLOAT_DIGITS}G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    sign, digits = exponent[0], exponent[1:].lstrip("0") or "0"
    return f"{mantissa}E{sign}{digits}"


def is_empty(value: object) -> bool:
    """PHP's ``empty($value)``: ``""``, ``"0"``, ``0``, ``0.0``, ``null``, ``false``, ``[]``."""
    if isinstance(value, str):
        return value in ("", "0")
    if isinstance(value, (list, dict, tuple)):
        return len(value) == 0
    return not value


def is_numeric(value: object) -> bool:
    """PHP's ``is_numeric`` for a JSON scalar (booleans are not numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and _NUMERIC.match(value) is not None


def round_half_up(value: float, digits: int = 0) -> float:
    """PHP's ``round()``: halves go away from zero, on the decimal the number prints as."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def compile_pcre(pattern: str) -> tuple[re.Pattern[str], bool] | None:
    """A PCRE pattern with delimiters (``/abc/i``) as a Python regex and its anchoring.

    Returns ``(regex, anchored)``; ``anchored`` means PCRE's ``A`` modifier (match only at
    the start). ``None`` where ``preg_match`` fails (bad delimiter, unknown modifier such as
    ``g``, invalid expression): PHP then returns ``false``, which MISP treats as no match.
    """
    end = _closing_delimiter(pattern)
    if end is None:
        return None
    body, modifiers = pattern[1:end], pattern[end + 1 :]
    flags, anchored = 0, False
    for modifier in modifiers:
        if modifier in _MODIFIERS:
            flags |= _MODIFIERS[modifier]
        elif modifier == "A":
            anchored = True
        elif modifier not in _HARMLESS and not modifier.isspace():
            return None
    try:
        return re.compile(body, flags), anchored
    except re.error:
        return None


def _closing_delimiter(pattern: str) -> int | None:
    """Where PHP finds the end delimiter: the first unescaped one (brackets nest)."""
    if len(pattern) < 2 or pattern[0].isalnum() or pattern[0] in "\\ \t\r\n":
        return None
    opening = pattern[0]
    closing = _BRACKETS.get(opening, opening)
    depth, i = 1, 1
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == closing and opening != closing:
            depth -= 1
        elif char == opening and opening != closing:
            depth += 1
        elif char == closing:
            depth = 0
        if depth == 0:
            return i
        i += 1
    return None
