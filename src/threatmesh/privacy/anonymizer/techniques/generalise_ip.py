"""``generalise_ip``: keep only a prefix of an address (``a.b.c.d`` -> ``a.b.0.0/16``)."""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from pydantic import Field

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.technique import StrictParams, Technique, register


class Params(StrictParams):
    """Prefix lengths kept, per IP version."""

    ipv4_prefix: int = Field(default=24, ge=8, le=32)
    ipv6_prefix: int = Field(default=48, ge=8, le=128)
    #: Write the network as ``a.b.0.0/16`` (True) or just its first address ``a.b.0.0``
    #: (MISP's ``ip|port`` types do not take a prefix length).
    with_length: bool = True


@register
class GeneraliseIP(Technique):
    """Truncate addresses to a network; a network already shorter stays as it is."""

    name = "generalise_ip"
    kinds = frozenset({kinds.IP})
    Params = Params
    example: ClassVar[dict[str, Any]] = {"ipv4_prefix": 16, "ipv6_prefix": 32}

    def value(self, value: str, kind: str) -> str | None:
        p = self.params
        assert isinstance(p, Params)
        net = ipaddress.ip_network(value, strict=False)
        wanted = p.ipv4_prefix if net.version == 4 else p.ipv6_prefix
        if net.prefixlen > wanted:
            net = net.supernet(new_prefix=wanted)
        if not p.with_length or net.prefixlen == net.max_prefixlen:
            return str(net.network_address)
        return str(net)
