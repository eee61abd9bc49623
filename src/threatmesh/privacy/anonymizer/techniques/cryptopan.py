"""``cryptopan``: prefix-preserving IP anonymization under the policy's key."""

from __future__ import annotations

import ipaddress

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.cryptopan import CryptoPAn as _CryptoPAn
from threatmesh.privacy.anonymizer.technique import Technique, register


@register
class CryptoPAn(Technique):
    """Crypto-PAn on addresses; a network (``10.1.0.0/16``) maps to the network of its
    anonymized address with the same prefix length, so containment is preserved."""

    name = "cryptopan"
    kinds = frozenset({kinds.IP})

    def _engine(self) -> _CryptoPAn:
        engine = self.ctx.cache.get("cryptopan")
        if engine is None:
            engine = self.ctx.cache["cryptopan"] = _CryptoPAn(self.ctx.keys.cryptopan)
        assert isinstance(engine, _CryptoPAn)
        return engine

    def value(self, value: str, kind: str) -> str | None:
        address, slash, length = value.partition("/")
        out = self._engine().anonymize(address)
        if not slash:
            return out
        return str(ipaddress.ip_network(f"{out}/{length}", strict=False))
