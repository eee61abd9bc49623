"""The ``reverse-dns`` module: the names an address resolves back to (the system's
resolver, so ``/etc/hosts`` and the site's DNS; a lookup that fails or times out adds
nothing)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from threatmesh.model.enrichment.base import ENRICHERS, Enricher, Expansion, Found
from threatmesh.model.enrichment.modules import ADDRESS_TYPES, address_of

__all__ = ["ReverseDns"]

Resolver = Callable[[str], tuple[str, list[str], list[str]]]


@dataclass
class ReverseDns:
    """A ``hostname`` attribute for each name an address resolves back to."""

    timeout: float = 2.0
    resolve: Resolver = socket.gethostbyaddr
    name: str = "reverse-dns"
    handles: frozenset[str] = ADDRESS_TYPES
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """The PTR names of the address (none when it has none)."""
        address = address_of(attribute_type, value)
        if address is None:
            return Expansion()
        # gethostbyaddr has no timeout of its own: a slow resolver must not stall the run.
        future = self._pool.submit(self.resolve, str(address))
        try:
            host, aliases, _ = future.result(timeout=self.timeout)
        except (OSError, FutureTimeout, UnicodeError):
            return Expansion()
        names = [n.rstrip(".").lower() for n in dict.fromkeys([host, *aliases]) if n]
        kept = [n for n in names if "." in n]  # MISP refuses a hostname without a dot
        return Expansion([Found("hostname", n, "Network activity", "PTR") for n in kept])


def _reverse_dns(options: Mapping[str, str]) -> Enricher:
    """``timeout``: seconds per lookup (2)."""
    return ReverseDns(timeout=float(options.get("timeout", "2")))


ENRICHERS.register("reverse-dns", _reverse_dns)
