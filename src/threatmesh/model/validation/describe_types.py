"""MISP's attribute type table (``attributes/describeTypes``) and the type constants.

The table is the ``result`` of MISP's ``describeTypes`` answer, bundled as
``data/describeTypes.json`` (copied from PyMISP). It is read on first use, never at import
time, so importing the model stays cheap; every lookup after that is a dict access.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, NamedTuple

from threatmesh.model import package_data
from threatmesh.model.errors import InvalidValue

__all__ = [
    "ATTACHMENT_TYPES",
    "IP_TYPES",
    "IP_VALUE2_TYPES",
    "NON_CORRELATING_TYPES",
    "PRIMARY_ONLY_CORRELATING_TYPES",
    "attribute_types",
    "categories",
    "category_allows",
    "compound_types",
    "default_category",
    "default_to_ids",
    "describe_types",
    "is_compound",
]

#: Types whose content travels in ``data`` (MISP's ``typeIsAttachment``).
ATTACHMENT_TYPES: frozenset[str] = frozenset({"attachment", "malware-sample"})

#: Types MISP never correlates on (``MispAttribute::NON_CORRELATING_TYPES``): their values
#: are too generic (a port, a boolean, a comment) for a match to mean anything.
NON_CORRELATING_TYPES: frozenset[str] = frozenset(
    {
        "comment",
        "http-method",
        "aba-rtn",
        "gender",
        "counter",
        "integer",
        "float",
        "port",
        "nationality",
        "cortex",
        "boolean",
        "anonymised",
    }
)

#: Compound types that correlate on ``value1`` only
#: (``MispAttribute::PRIMARY_ONLY_CORRELATING_TYPES``): the port alone means nothing.
PRIMARY_ONLY_CORRELATING_TYPES: frozenset[str] = frozenset(
    {"ip-src|port", "ip-dst|port", "hostname|port"}
)

#: Types whose ``value1`` is an IP address (``ip-src``/``ip-dst`` may also be a CIDR block).
IP_TYPES: frozenset[str] = frozenset({"ip-src", "ip-dst", "ip-src|port", "ip-dst|port"})

#: Types whose ``value2`` is an IP address.
IP_VALUE2_TYPES: frozenset[str] = frozenset({"domain|ip"})

# MISP treats ``malware-sample`` as compound (``filename|md5``) although its name has no
# ``|`` (``MispAttribute::getCompositeTypes``).
_EXTRA_COMPOUND_TYPES = frozenset({"malware-sample"})

_RESOURCE_PACKAGE = "threatmesh.model"
_RESOURCE_PATH = ("data", "describeTypes.json")


class _Tables(NamedTuple):
    """The lookup structures derived once from describeTypes."""

    types: frozenset[str]
    categories: tuple[str, ...]
    defaults: dict[str, tuple[str, bool]]
    allowed: dict[str, frozenset[str]]


@cache
def _raw_text() -> str:
    """describeTypes.json as shipped (its text, for hashing and for the API answer)."""
    return package_data.read_text(_RESOURCE_PACKAGE, *_RESOURCE_PATH)


@cache
def _tables() -> _Tables:
    """Parse the bundled table once into the structures the lookups use."""
    result: dict[str, Any] = json.loads(_raw_text())["result"]
    defaults = {
        type_: (str(entry["default_category"]), bool(int(entry["to_ids"])))
        for type_, entry in result["sane_defaults"].items()
    }
    allowed = {
        category: frozenset(types) for category, types in result["category_type_mappings"].items()
    }
    return _Tables(
        types=frozenset(result["types"]),
        categories=tuple(result["categories"]),
        defaults=defaults,
        allowed=allowed,
    )


def describe_types() -> dict[str, Any]:
    """The ``result`` object of MISP's ``attributes/describeTypes`` answer.

    Keys: ``types``, ``categories``, ``category_type_mappings`` and ``sane_defaults``.
    Each call returns a fresh copy, so callers may modify it without corrupting the table.
    """
    result: dict[str, Any] = json.loads(_raw_text())["result"]
    return result


def attribute_types() -> frozenset[str]:
    """Every attribute type MISP knows."""
    return _tables().types


def compound_types() -> frozenset[str]:
    """The attribute types whose value is two parts joined by ``|``."""
    return _compound_types()


@cache
def _compound_types() -> frozenset[str]:
    return frozenset(t for t in _tables().types if is_compound(t))


def categories() -> tuple[str, ...]:
    """Every attribute category, in MISP's order."""
    return _tables().categories


def _defaults(type_: str) -> tuple[str, bool]:
    try:
        return _tables().defaults[type_]
    except KeyError:
        raise InvalidValue(f"unknown attribute type {type_!r}") from None


def default_category(type_: str) -> str:
    """The category MISP assigns to an attribute of ``type_`` sent without one.

    Raises :class:`InvalidValue` for an unknown type.
    """
    return _defaults(type_)[0]


def default_to_ids(type_: str) -> bool:
    """The ``to_ids`` flag MISP assigns to an attribute of ``type_`` sent without one.

    Raises :class:`InvalidValue` for an unknown type.
    """
    return _defaults(type_)[1]


def category_allows(category: str, type_: str) -> bool:
    """Whether MISP accepts an attribute of ``type_`` in ``category``.

    An unknown category allows nothing.
    """
    allowed = _tables().allowed.get(category)
    return allowed is not None and type_ in allowed


def is_compound(type_: str) -> bool:
    """Whether values of ``type_`` are ``value1|value2`` pairs (``malware-sample`` included)."""
    return "|" in type_ or type_ in _EXTRA_COMPOUND_TYPES
