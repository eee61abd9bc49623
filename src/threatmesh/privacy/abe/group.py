"""The pairing group: BLS12-381 through ``pymcl`` (optional extra ``abe``).

FAME is stated for an asymmetric (Type-III) pairing ``e: G1 x G2 -> GT``; keys live
mostly in G1 (hashes of attributes), ciphertext headers in G2.
"""

from __future__ import annotations

import functools

from threatmesh.model.errors import ThreatmeshError


class MissingExtra(ThreatmeshError):
    """An optional dependency is not installed (the feature is not available: 501)."""

    status = 501
    name = "Missing optional dependency"


try:
    from pymcl import G1, G2, GT, Fr, g1, g2, pairing, r
except ImportError:  # pragma: no cover - exercised only without the extra
    raise MissingExtra(
        "CP-ABE needs pymcl: install threatmesh with the 'abe' extra "
        "(pip install 'threatmesh[abe]')"
    ) from None

ORDER = int(r)
__all__ = ["G1", "G2", "GT", "ORDER", "Fr", "MissingExtra", "g1", "g2", "pairing"]


def scalar(value: int) -> Fr:
    """``value`` mod r as a field element (pymcl only takes small ints directly)."""
    return Fr(str(value % ORDER))


def random_scalar() -> Fr:
    """A uniformly random non-zero scalar (mcl draws from the OS CSPRNG)."""
    while True:
        x = Fr.random()
        if not x.is_zero():
            return x


@functools.lru_cache(maxsize=65536)
def hash_attribute(attribute: str, l: int, t: int) -> G1:  # noqa: E741 - the paper's name
    """FAME's ``H(y l t)``: an attribute's hash to G1, domain-separated from columns."""
    raw = attribute.encode()
    data = b"threatmesh/fame/v1/attr" + len(raw).to_bytes(2, "big") + raw + bytes((l, t))
    return G1.hash(data)


@functools.lru_cache(maxsize=65536)
def hash_column(j: int, l: int, t: int) -> G1:  # noqa: E741
    """FAME's ``H(0 j l t)`` for column ``j`` (1-based) of the span program."""
    return G1.hash(b"threatmesh/fame/v1/col" + j.to_bytes(4, "big") + bytes((l, t)))
