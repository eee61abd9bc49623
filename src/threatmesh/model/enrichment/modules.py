"""The pure enrichment modules: an in-memory lookup, warninglists and an IP-to-ASN table.

- ``memory``: answers from a mapping given to it (tests, and a site's own small lists).
- ``warninglists``: tags an attribute with each enabled warninglist it hits
  (``threatmesh:warninglist="<name>"``), MISP's ``checkForWarning`` semantics.
- ``asn``: the autonomous system of an address, from a table in iptoasn.com's
  ``ip2asn`` format (``range_start range_end AS_number country AS_description``,
  tab-separated, IPv4 or IPv6), as a local file: nothing is fetched.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from threatmesh.model.enrichment.base import ENRICHERS, Enricher, Expansion, Found
from threatmesh.model.library.warninglist_match import WarninglistMatcher, compile_warninglist
from threatmesh.model.library.warninglists import ALL_TYPES, load_warninglists
from threatmesh.model.validation.describe_types import attribute_types

__all__ = ["AsnEnricher", "AsnRange", "AsnTable", "MemoryEnricher", "WarninglistEnricher"]

ADDRESS_TYPES = frozenset({"ip-src", "ip-dst", "ip-src|port", "ip-dst|port"})


def address_of(
    attribute_type: str, value: str
) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in an attribute's value (``ip|port`` types carry it first)."""
    text = value.split("|", 1)[0] if "|" in attribute_type else value
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@dataclass
class MemoryEnricher:
    """Answers from ``table``: ``(type, value) -> [Found]``."""

    table: Mapping[tuple[str, str], Sequence[Found]]
    name: str = "memory"
    handles: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.handles = frozenset(t for t, _ in self.table)

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """The table's entry for the value, if any."""
        return Expansion(list(self.table.get((attribute_type, value), ())))


@dataclass
class WarninglistEnricher:
    """Tags attributes that hit an enabled warninglist."""

    matcher: WarninglistMatcher
    handles: frozenset[str]
    name: str = "warninglists"

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """One tag per warninglist hit."""
        hits = self.matcher.hits(attribute_type, value)
        return Expansion(tags=[f'threatmesh:warninglist="{h.warninglist_name}"' for h in hits])


@dataclass(frozen=True, slots=True, order=True)
class AsnRange:
    """One line of the table: addresses ``first``..``last`` are announced by ``asn``."""

    first: int
    last: int
    asn: int
    country: str
    description: str


class AsnTable:
    """Ranges sorted by first address, one table per IP version."""

    def __init__(self, ranges: Iterable[tuple[int, AsnRange]]) -> None:
        self._by_version: dict[int, list[AsnRange]] = {4: [], 6: []}
        for version, entry in ranges:
            self._by_version[version].append(entry)
        for entries in self._by_version.values():
            entries.sort()
        self._starts = {v: [e.first for e in es] for v, es in self._by_version.items()}

    def __len__(self) -> int:
        return sum(len(es) for es in self._by_version.values())

    @classmethod
    def parse(cls, lines: Iterable[str]) -> AsnTable:
        """A table from ip2asn lines; malformed lines and AS 0 ("not routed") are skipped."""
        return cls(entry for line in lines if (entry := _parse_line(line)) is not None)

    def lookup(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> AsnRange | None:
        """The range holding ``address``, if any."""
        entries, number = self._by_version[address.version], int(address)
        i = bisect.bisect_right(self._starts[address.version], number) - 1
        if i >= 0 and entries[i].first <= number <= entries[i].last:
            return entries[i]
        return None


def _parse_line(line: str) -> tuple[int, AsnRange] | None:
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 5:
        return None
    try:
        first, last = ipaddress.ip_address(parts[0]), ipaddress.ip_address(parts[1])
        asn = int(parts[2])
    except ValueError:
        return None
    if asn <= 0 or first.version != last.version or int(first) > int(last):
        return None
    return first.version, AsnRange(int(first), int(last), asn, parts[3], parts[4])


@dataclass
class AsnEnricher:
    """The AS of an address (an ``AS`` attribute, with its holder and country)."""

    table: AsnTable
    name: str = "asn"
    handles: frozenset[str] = ADDRESS_TYPES

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """An ``AS`` attribute for a routed address; nothing otherwise."""
        address = address_of(attribute_type, value)
        entry = None if address is None else self.table.lookup(address)
        if entry is None:
            return Expansion()
        detail = f"{entry.description}, {entry.country}"
        return Expansion([Found("AS", str(entry.asn), "Network activity", detail)])


def _memory(options: Mapping[str, str]) -> Enricher:
    """``type=value=>type:value`` pairs separated by ``;`` (``table`` option)."""
    table: dict[tuple[str, str], list[Found]] = {}
    for item in filter(None, options.get("table", "").split(";")):
        source, _, target = item.partition("=>")
        s_type, _, s_value = source.partition("=")
        t_type, _, t_value = target.partition(":")
        table.setdefault((s_type, s_value), []).append(Found(t_type, t_value, "Other"))
    return MemoryEnricher(table)


def _warninglists(options: Mapping[str, str]) -> Enricher:
    """``lists``: names separated by ``;`` (all the installed lists by default)."""
    wanted = {n.strip() for n in options.get("lists", "").split(";") if n.strip()}
    loaded = [w for w in load_warninglists().items if not wanted or w.name in wanted]
    compiled = [compile_warninglist(i, w) for i, w in enumerate(loaded, start=1)]
    types: set[str] = set()
    for wl in compiled:
        types |= set(attribute_types()) if ALL_TYPES in wl.types else set(wl.types)
    return WarninglistEnricher(WarninglistMatcher(compiled), frozenset(types))


ENRICHERS.register("memory", _memory)
ENRICHERS.register("warninglists", _warninglists)
