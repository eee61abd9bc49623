"""Products of pairings: mcl's vector Miller loop agrees with pairings one by one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.privacy.abe import multipairing
from threatmesh.privacy.abe.group import G1, G2, GT, ORDER, g1, g2, pairing, scalar

scalars = st.integers(min_value=0, max_value=ORDER - 1)


def _one_by_one(pairs: list[tuple[G1, G2]]) -> GT:
    out = GT(True)
    for p, q in pairs:
        out = out * pairing(p, q)
    return out


def test_the_native_path_is_bound_here() -> None:
    # The benchmark figures assume it; if a pymcl release stops exporting mcl's C API
    # this says so (products still work, one pairing at a time).
    assert multipairing.native() is not None


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(scalars, scalars), min_size=1, max_size=7))
def test_product_equals_pairings_one_by_one(exponents: list[tuple[int, int]]) -> None:
    pairs = [(g1 * scalar(x), g2 * scalar(y)) for x, y in exponents]  # 0 gives the identity
    assert multipairing.product(pairs) == _one_by_one(pairs)


def test_bilinearity_through_the_product() -> None:
    # e(aP, Q) * e(-P, aQ) = 1: the cancellation FAME's decryption relies on.
    a = scalar(123456789)
    assert multipairing.product([(g1 * a, g2), (-g1, g2 * a)]).is_one()


def test_empty_and_identity_products_are_one() -> None:
    assert multipairing.product([]).is_one()
    assert multipairing.product([(G1(), g2), (g1, G2())]).is_one()
