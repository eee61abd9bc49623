"""Crypto-PAn: bit-identical to the reference (yacryptopan), prefix-preserving, a bijection."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from yacryptopan import CryptoPAn as Reference

from threatmesh.privacy.anonymizer.cryptopan import CryptoPAn

KEY = bytes(range(32))
keys = st.binary(min_size=32, max_size=32)
v4 = st.integers(0, 2**32 - 1)
v6 = st.integers(0, 2**128 - 1)


def test_the_published_test_vectors() -> None:
    # The vectors Crypto-PAn 1.0 and yacryptopan print for the key 0..31.
    cp = CryptoPAn(KEY)
    assert cp.anonymize("192.0.2.1") == "2.90.93.17"
    assert ipaddress.ip_address(cp.anonymize("2001:db8::1")) == ipaddress.ip_address(
        "dd92:2c44:3fc0:ff1e:7ff9:c7f0:8180:7e00"
    )


@settings(max_examples=40, deadline=None)
@given(keys, st.lists(v4, min_size=1, max_size=40), st.lists(v6, min_size=1, max_size=10))
def test_bit_identical_to_yacryptopan(key: bytes, four: list[int], six: list[int]) -> None:
    ref, ours = Reference(key), CryptoPAn(key)
    addresses = [str(ipaddress.IPv4Address(a)) for a in four]
    addresses += [str(ipaddress.IPv6Address(a)) for a in six]
    expected = [ipaddress.ip_address(ref.anonymize(a)) for a in addresses]
    assert [ipaddress.ip_address(ours.anonymize(a)) for a in addresses] == expected
    assert [ipaddress.ip_address(x) for x in ours.anonymize_many(addresses)] == expected


def _common_prefix(a: int, b: int, bits: int) -> int:
    return bits - (a ^ b).bit_length()


@settings(max_examples=200, deadline=None)
@given(keys, v4, v4, v6, v6)
def test_shared_prefixes_are_preserved(key: bytes, a: int, b: int, c: int, d: int) -> None:
    cp = CryptoPAn(key)
    assert _common_prefix(cp.anonymize_int(a, 4), cp.anonymize_int(b, 4), 32) == _common_prefix(
        a, b, 32
    )
    assert _common_prefix(cp.anonymize_int(c, 6), cp.anonymize_int(d, 6), 128) == _common_prefix(
        c, d, 128
    )


@settings(max_examples=2, deadline=None)
@given(keys, st.integers(0, 2**16 - 1))
def test_a_bijection_on_a_whole_slash_16(key: bytes, high: int) -> None:
    # Prefix preservation maps the /16 onto one /16; all 65,536 outputs distinct there
    # means the map is a bijection of that network (and, by the same argument, of all).
    cp = CryptoPAn(key)
    addresses = [str(ipaddress.IPv4Address((high << 16) | low)) for low in range(2**16)]
    out = cp.anonymize_many(addresses)
    assert len(set(out)) == 2**16
    prefixes = {int(ipaddress.IPv4Address(x)) >> 16 for x in out}
    assert len(prefixes) == 1


@given(keys, st.sets(v6, min_size=2, max_size=50))
@settings(max_examples=30, deadline=None)
def test_distinct_ipv6_stay_distinct(key: bytes, values: set[int]) -> None:
    cp = CryptoPAn(key)
    assert len({cp.anonymize_int(v, 6) for v in values}) == len(values)


def test_bad_input_is_refused() -> None:
    cp = CryptoPAn(KEY)
    for bad in ("300.1.1.1", "example.com", ""):
        try:
            cp.anonymize(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
