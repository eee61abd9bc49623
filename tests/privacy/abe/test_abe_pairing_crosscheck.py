"""The pairing arithmetic of pymcl (C++) checked against py_ecc (pure Python), BLS12-381."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from py_ecc.bls.point_compression import compress_G1, compress_G2
from py_ecc.optimized_bls12_381 import G1, G2, curve_order, multiply, normalize, pairing

from threatmesh.privacy.abe.group import ORDER, g1, g2, scalar
from threatmesh.privacy.abe.group import pairing as mcl_pairing


def _mcl_affine(point: object) -> list[int]:
    """mcl's decimal text form is ``1 x y`` (G2: ``1 x.a x.b y.a y.b``) once normalised."""
    parts = str(point).split()
    assert parts[0] == "1"
    return [int(p) for p in parts[1:]]


def test_same_group_order_and_generators() -> None:
    assert ORDER == curve_order
    x, y = normalize(G1)
    assert _mcl_affine(g1) == [int(x), int(y)]
    x2, y2 = normalize(G2)
    assert _mcl_affine(g2) == [*map(int, x2.coeffs), *map(int, y2.coeffs)]


# A fixed full-size scalar: test ids must be the same in every xdist worker.
_BIG = int(hashlib.sha256(b"threatmesh cross-check").hexdigest(), 16) % ORDER


@pytest.mark.parametrize("k", [1, 2, 12345, ORDER - 1, _BIG], ids=["1", "2", "12345", "r-1", "big"])
def test_scalar_multiplication_and_encodings_agree(k: int) -> None:
    p1, p2 = g1 * scalar(k), g2 * scalar(k)
    q1, q2 = normalize(multiply(G1, k)), normalize(multiply(G2, k))
    assert _mcl_affine(p1) == [int(q1[0]), int(q1[1])]
    assert _mcl_affine(p2) == [*map(int, q2[0].coeffs), *map(int, q2[1].coeffs)]
    # Both compress to x in 381 bits plus flags in the top three; mcl writes the bytes
    # little-endian and flags y's parity in the top bit, ZCash flags "compressed" there
    # and y's lexicographic sign in bit 5: compare x and check mcl's flag against y.
    mine, theirs = p1.serialize()[::-1], compress_G1(multiply(G1, k)).to_bytes(48, "big")
    assert _x_bits(mine) == _x_bits(theirs)
    assert mine[0] >> 7 == int(q1[1]) % 2
    z1, _z2 = compress_G2(multiply(G2, k))
    assert _x_bits(p2.serialize()[48:][::-1]) == _x_bits(z1.to_bytes(48, "big"))


def _x_bits(encoding: bytes) -> int:
    return int.from_bytes(encoding, "big") & ((1 << 381) - 1)


def test_bilinearity_both_ways_on_the_same_scalars() -> None:
    a, b = secrets.randbelow(ORDER - 1) + 1, secrets.randbelow(ORDER - 1) + 1
    # pymcl
    lhs = mcl_pairing(g1 * scalar(a), g2 * scalar(b))
    assert lhs == mcl_pairing(g1, g2) ** scalar(a * b)
    assert lhs == mcl_pairing(g1 * scalar(a * b), g2)
    assert not mcl_pairing(g1, g2).is_one()
    # py_ecc (its pairing takes the G2 point first); slow, so once.
    base = pairing(G2, G1)
    assert pairing(multiply(G2, b), multiply(G1, a)) == base ** (a * b % curve_order)
    assert base != base**0
