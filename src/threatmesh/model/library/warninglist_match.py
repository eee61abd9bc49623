"""Whether an attribute hits a warninglist, as MISP's ``Warninglist`` model decides.

Per list type (``checkValue`` and its ``__eval*`` helpers):

- ``string``: the value equals an entry (case counts);
- ``substring``: an entry occurs in the value; the first such entry in list order is the
  match;
- ``hostname``: the host of the value (the part before the first ``/``, or after ``//``
  when there is one; trailing dots dropped; *not* lower-cased) equals an entry or is a
  sub-domain of one. Entries are lower-cased and stripped of dots at both ends;
- ``cidr``: the value is an address (or block) inside a listed block
  (:class:`~threatmesh.model.library.cidr.CidrIndex`);
- ``regex``: a PCRE entry matches (patterns PHP refuses, e.g. with the ``g`` modifier
  of the shipped phone-number list, never match).

A composite value (a type with ``|``, and ``malware-sample``) is split once on ``|`` and
each part is tried in turn. A list applies to an attribute only when its types include the
attribute's type or ``ALL``. :class:`WarninglistMatcher` answers the three questions MISP
asks over the enabled lists: the warnings shown on an attribute (``checkForWarning``;
MISP only asks for attributes with ``to_ids`` unless ``MISP.warning_for_all`` is set),
whether an attribute survives ``enforceWarninglist`` (``filterWarninglistAttribute``) and
``warninglists/checkValue``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from threatmesh.model.library import php
from threatmesh.model.library.cidr import CidrIndex
from threatmesh.model.library.warninglists import ALL_TYPES, Warninglist

__all__ = [
    "CompiledWarninglist",
    "Matcher",
    "WarninglistHit",
    "WarninglistMatcher",
    "check_value",
    "compile_matcher",
    "compile_warninglist",
]


class Matcher(Protocol):
    """The entries of one list, indexed: the matching entry for a (single) value."""

    def first(self, value: str) -> str | None: ...


class _Strings:
    def __init__(self, entries: Iterable[str]) -> None:
        self._entries = frozenset(entries)

    def first(self, value: str) -> str | None:
        return value if value in self._entries else None


def _hostname_entry(entry: str) -> str:
    stripped = entry.strip(".")
    # Keep the loaded string when it is already lower-case: a million-entry list then
    # costs no second copy of its strings.
    return stripped if stripped.islower() else stripped.lower()


class _Hostnames:
    def __init__(self, entries: Iterable[str]) -> None:
        self._entries = frozenset(map(_hostname_entry, entries))

    def first(self, value: str) -> str | None:
        parts = value.split("/")
        if "//" in value:
            if len(parts) < 3:
                return None
            host = parts[2]
        else:
            host = parts[0]
        rebuilt = ""
        for piece in reversed(host.rstrip(".").split(".")):
            # PHP's empty() also holds for "0": MISP then restarts from the piece.
            rebuilt = piece if php.is_empty(rebuilt) else f"{piece}.{rebuilt}"
            if rebuilt in self._entries:
                return rebuilt
        return None


class _Substrings:
    def __init__(self, entries: Iterable[str]) -> None:
        self._order: list[str] = []
        self._rank: dict[str, int] = {}
        for entry in entries:
            if entry not in self._rank:
                self._rank[entry] = len(self._order)
                self._order.append(entry)

    def first(self, value: str) -> str | None:
        size = len(value)
        if size * (size + 1) // 2 >= len(self._order):
            return next((e for e in self._order if e in value), None)
        # A short value against a long list: look its substrings up instead.
        ranks = [self._rank[""]] if "" in self._rank else []
        for start in range(size):
            for end in range(start + 1, size + 1):
                rank = self._rank.get(value[start:end])
                if rank is not None:
                    ranks.append(rank)
        return self._order[min(ranks)] if ranks else None


class _Regexes:
    def __init__(self, entries: Iterable[str]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], bool]] = []
        for entry in entries:
            compiled = php.compile_pcre(entry)
            if compiled is not None:
                self._patterns.append((entry, *compiled))

    def first(self, value: str) -> str | None:
        for text, pattern, anchored in self._patterns:
            found = pattern.match(value) if anchored else pattern.search(value)
            if found:
                return text
        return None


class _Cidrs:
    def __init__(self, entries: Iterable[str]) -> None:
        self._index = CidrIndex(entries)

    def first(self, value: str) -> str | None:
        return self._index.contains(value)


_MATCHERS: dict[str, type[_Strings | _Hostnames | _Substrings | _Regexes | _Cidrs]] = {
    "string": _Strings,
    "hostname": _Hostnames,
    "substring": _Substrings,
    "regex": _Regexes,
    "cidr": _Cidrs,
}


def compile_matcher(list_type: str, entries: Iterable[str]) -> Matcher:
    """Index the entries of a list of type ``list_type`` (``ValueError`` if unknown)."""
    try:
        return _MATCHERS[list_type](entries)
    except KeyError:
        raise ValueError(f"unknown warninglist type {list_type!r}") from None


def check_value(matcher: Matcher, value: str, attribute_type: str = "") -> tuple[str, str] | None:
    """``(matched entry, part of the value that matched)``, or None (MISP's ``checkValue``)."""
    if attribute_type == "malware-sample" or "|" in attribute_type:
        parts = value.split("|", 1)
    else:
        parts = [value]
    for part in parts:
        match = matcher.first(part)
        if match is not None:
            return match, part
    return None


@dataclass(frozen=True, slots=True)
class CompiledWarninglist:
    """An enabled list as the matcher needs it: identity, the types it applies to, entries."""

    id: int
    name: str
    category: str
    types: frozenset[str]
    matcher: Matcher

    def applies_to(self, attribute_type: str) -> bool:
        """Whether the list checks attributes of this type."""
        return ALL_TYPES in self.types or attribute_type in self.types


def compile_warninglist(list_id: int, warninglist: Warninglist) -> CompiledWarninglist:
    """Index a loaded list under its database id."""
    return CompiledWarninglist(
        id=list_id,
        name=warninglist.name,
        category=warninglist.category,
        types=frozenset(warninglist.matching_attributes),
        matcher=compile_matcher(warninglist.type, warninglist.values),
    )


@dataclass(frozen=True, slots=True)
class WarninglistHit:
    """One item of an attribute's ``warnings`` (MISP adds ``comment`` from the entry)."""

    warninglist_id: int
    warninglist_name: str
    warninglist_category: str
    match: str
    value: str


class WarninglistMatcher:
    """The enabled lists, in id order, answering MISP's three warninglist questions."""

    def __init__(self, lists: Sequence[CompiledWarninglist]) -> None:
        self._lists = tuple(lists)

    def hits(self, attribute_type: str, value: str) -> list[WarninglistHit]:
        """Every list the attribute hits (``checkForWarning``)."""
        out = []
        for wl in self._lists:
            if wl.applies_to(attribute_type):
                found = check_value(wl.matcher, value, attribute_type)
                if found is not None:
                    out.append(WarninglistHit(wl.id, wl.name, wl.category, *found))
        return out

    def passes(self, attribute_type: str, value: str) -> bool:
        """Whether the attribute survives ``enforceWarninglist`` (hits no list)."""
        return not any(
            wl.applies_to(attribute_type)
            and check_value(wl.matcher, value, attribute_type) is not None
            for wl in self._lists
        )

    def check_values(
        self, values: Iterable[str]
    ) -> dict[str, list[tuple[CompiledWarninglist, str]]]:
        """``warninglists/checkValue``: each trimmed value -> ``(list, matched entry)`` for
        every list it hits, types ignored and values not split."""
        out: dict[str, list[tuple[CompiledWarninglist, str]]] = {}
        for raw in values:
            value = raw.strip(" \t\n\r\0\x0b")
            for wl in self._lists:
                found = check_value(wl.matcher, value)
                if found is not None:
                    out.setdefault(value, []).append((wl, found[0]))
        return out
