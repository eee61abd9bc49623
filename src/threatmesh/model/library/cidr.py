"""CIDR warninglist lookups, with MISP's semantics (``Lib/Tools/CidrTool.php``).

MISP keeps the IPv4 entries as strings ``"a.b.c.d/n"`` (``/32`` added when missing) and,
for an address, builds ``network/n`` for every prefix length from the shortest one in the
list to 32 and looks each up: the *widest* matching block wins, and an entry written with
host bits set (``10.0.0.1/8``) never matches. IPv6 entries are grouped by prefix length in
order of first appearance and compared with host bits masked on both sides; every group is
tried and the *last* group holding a match wins. A value written as a block
(``10.1.0.0/16``) matches only a list block at least as wide.

Here each prefix length is a set of integers, so a lookup costs one set probe per IPv4
prefix length present (at most 33) and one per IPv6 group.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["CidrIndex", "parse_ip"]

_V4_BITS = 32
_V6_BITS = 128


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as PHP's ``filter_var(FILTER_VALIDATE_IP)`` accepts it, else None.

    Dotted quads only (no leading zeros), no IPv6 zone index.
    """
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _address(text: str) -> tuple[int, int] | None:
    """``(version, int)`` of an address, cached: a lookup tries the same value against
    every enabled list, and parsing costs more than the probes."""
    ip = parse_ip(text)
    return None if ip is None else (ip.version, int(ip))


def _mask(bits: int, width: int) -> int:
    return ((1 << bits) - 1) << (width - bits) if bits else 0


_V4_MASKS = tuple(_mask(bits, _V4_BITS) for bits in range(_V4_BITS + 1))
_V6_MASKS = tuple(_mask(bits, _V6_BITS) for bits in range(_V6_BITS + 1))


def _entry(text: str) -> tuple[int, int, int, str] | None:
    """``(version, address int, prefix length, original text)`` of a valid entry."""
    address, _, bits_text = text.partition("/")
    ip = parse_ip(address)
    if ip is None:
        return None
    width = _V4_BITS if ip.version == 4 else _V6_BITS
    if not bits_text:
        return ip.version, int(ip), width, text
    if not bits_text.isdigit() or int(bits_text) > width:
        return None
    return ip.version, int(ip), int(bits_text), text


class CidrIndex:
    """The entries of one ``cidr`` warninglist, ready for :meth:`contains`."""

    def __init__(self, entries: Iterable[str]) -> None:
        # IPv4: prefix length -> network ints that MISP's string lookup can hit.
        self._v4: dict[int, set[int]] = {}
        # IPv6: prefix length (first-appearance order) -> masked int -> the entry's address.
        self._v6: dict[int, dict[int, str]] = {}
        for text in entries:
            parsed = _entry(text)
            if parsed is not None:
                self._add(*parsed)
        self._v4_lengths = sorted(self._v4)

    def _add(self, version: int, value: int, bits: int, text: str) -> None:
        if version == 4:
            # Every valid entry counts for the shortest prefix length MISP starts from, but
            # MISP stores the text and looks up "network/bits": only an entry written that
            # way (no host bits, plain prefix) can ever be found.
            networks = self._v4.setdefault(bits, set())
            key = text if "/" in text else f"{text}/{_V4_BITS}"
            network = value & _mask(bits, _V4_BITS)
            if key == f"{ipaddress.IPv4Address(network)}/{bits}":
                networks.add(network)
            return
        group = self._v6.setdefault(bits, {})
        # inet_ntop, as MISP prints the entry (glibc writes ::ffff:1.2.3.4, not ::ffff:102:304).
        address = socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))
        group.setdefault(value & _mask(bits, _V6_BITS), address)

    def contains(self, value: str) -> str | None:
        """The matching block as MISP writes it (``"8.8.8.0/24"``), or None."""
        address, _, value_bits = value.partition("/")
        if "/" in value_bits:
            value_bits = value_bits.split("/", 1)[0]
        parsed = _address(address)
        if parsed is None:
            return None
        version, number = parsed
        match = self._match_v4(number) if version == 4 else self._match_v6(number)
        if match is None or not _wider_or_equal(match[1], value_bits):
            return None
        return f"{match[0]}/{match[1]}"

    def _match_v4(self, value: int) -> tuple[str, int] | None:
        # MISP tries prefix lengths from the shortest up: the widest block wins.
        for bits in self._v4_lengths:
            network = value & _V4_MASKS[bits]
            if network in self._v4[bits]:
                return str(ipaddress.IPv4Address(network)), bits
        return None

    def _match_v6(self, value: int) -> tuple[str, int] | None:
        match = None
        for bits, group in self._v6.items():
            address = group.get(value & _V6_MASKS[bits])
            if address is not None:
                match = (address, bits)
        return match


def _wider_or_equal(match_bits: int, value_bits: str) -> bool:
    """MISP's ``if ($match && $valueMask) { if ($valueMask < $matchMask) return false; }``."""
    if value_bits in ("", "0"):
        return True
    if value_bits.isdigit():
        return int(value_bits) >= match_bits
    # PHP 8 compares a non-numeric string with a numeric one as strings.
    return not value_bits < str(match_bits)
