"""Decapsulation from the serialised header agrees with the reference path, byte for
byte and error for error, and its per-(key, policy) cache never mixes keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.privacy.abe import decapsulation, fame, serial
from threatmesh.privacy.abe.errors import (
    DecryptionFailed,
    EpochMismatch,
    MalformedData,
    PolicyNotSatisfied,
)
from threatmesh.privacy.abe.group import G1, G2

POLICIES = [
    "sector:finance",
    "sector:finance or org:CERT",
    "sector:finance and role:analyst",
    "2 of (sector:finance, role:analyst, country:BE)",
    "3 of (a, b, c, d, e)",
    "(org:CERT and role:analyst) or (sector:finance and trust>=3)",
]
ATTRIBUTES = ["sector:finance", "role:analyst", "org:CERT", "country:BE", "a", "c", "d", "e"]


@pytest.fixture(scope="module")
def keys() -> tuple[fame.PublicKey, fame.MasterKey]:
    return fame.setup(2)


def _reference(sk: fame.SecretKey, data: bytes, policy: str) -> bytes:
    return fame.decapsulate(sk, serial.load_ciphertext(data, policy)).serialize()


def _outcome(fn: object, *args: object, **kwargs: object) -> bytes | tuple[type, str]:
    try:
        return fn(*args, **kwargs)  # type: ignore[operator, no-any-return]
    except (DecryptionFailed, MalformedData) as exc:
        return type(exc), exc.message


def test_the_direct_path_is_bound_here() -> None:
    # The benchmark figures assume it (the known-answer check passed at first use).
    assert decapsulation.direct() is not None


@settings(max_examples=30, deadline=None)
@given(
    policy=st.sampled_from(POLICIES),
    held=st.lists(st.sampled_from(ATTRIBUTES), unique=True, max_size=5),
    trust=st.integers(min_value=0, max_value=7),
)
def test_same_secret_or_same_refusal_as_the_reference(
    keys: tuple[fame.PublicKey, fame.MasterKey], policy: str, held: list[str], trust: int
) -> None:
    pk, msk = keys
    sk = fame.keygen(msk, [*held, f"trust={trust}"])
    ct, element = fame.encapsulate(pk, policy)
    data = serial.dump_ciphertext(ct)
    got = _outcome(decapsulation.secret, sk, data, policy, epoch=2)
    assert got == _outcome(_reference, sk, data, policy)
    if not isinstance(got, tuple):
        assert got == element.serialize()


def test_the_key_side_cache_is_keyed_by_the_key(
    keys: tuple[fame.PublicKey, fame.MasterKey],
) -> None:
    # Two keys with the same attributes (different randomness), two policies: every
    # result is the reference one, whatever was cached before.
    pk, msk = keys
    first, second = (fame.keygen(msk, ["sector:finance", "role:analyst"]) for _ in range(2))
    for policy in ("sector:finance", "sector:finance and role:analyst"):
        ct, element = fame.encapsulate(pk, policy)
        data = serial.dump_ciphertext(ct)
        for sk in (first, second, first):
            assert decapsulation.secret(sk, data, policy, epoch=2) == element.serialize()


def test_a_key_of_another_epoch_or_a_moved_header_is_refused(
    keys: tuple[fame.PublicKey, fame.MasterKey],
) -> None:
    pk, msk = keys
    ct, _ = fame.encapsulate(pk, "sector:finance")
    data = serial.dump_ciphertext(ct)
    _, other = fame.setup(3)
    with pytest.raises(EpochMismatch):
        decapsulation.secret(
            fame.keygen(other, ["sector:finance"]), data, "sector:finance", epoch=2
        )
    with pytest.raises(DecryptionFailed, match="epoch and its ciphertext's epoch differ"):
        decapsulation.secret(fame.keygen(msk, ["sector:finance"]), data, "sector:finance", epoch=3)
    with pytest.raises(PolicyNotSatisfied):
        decapsulation.secret(fame.keygen(msk, ["org:CERT"]), data, "sector:finance", epoch=2)


def _malformed(data: bytes) -> list[bytes]:
    g2_zero, g1_zero = G2().serialize(), G1().serialize()
    not_a_point = b"\x9f" + b"\xff" * 47
    return [
        b"XXXX" + data[4:],  # bad magic
        data[:-1],  # truncated
        data + b"\x00" * 48,  # a row too many
        data[:8] + (5).to_bytes(2, "big") + data[10:],  # a row count the policy does not need
        data[:10] + b"\xff" * 96 + data[106:],  # ct0[0] not a point
        data[: 10 + 288] + not_a_point + data[10 + 288 + 48 :],  # a row's point invalid
        data[:10] + g2_zero * 3 + data[10 + 288 :],  # identities: pairs that contribute 1
        data[: 10 + 288] + g1_zero * 3 + data[10 + 288 + 144 :],
    ]


def test_malformed_headers_fail_as_they_do_in_the_reference(
    keys: tuple[fame.PublicKey, fame.MasterKey],
) -> None:
    pk, msk = keys
    policy = "sector:finance or org:CERT"
    sk = fame.keygen(msk, ["org:CERT"])
    data = serial.dump_ciphertext(fame.encapsulate(pk, policy)[0])
    for bad in _malformed(data):
        assert _outcome(decapsulation.secret, sk, bad, policy, epoch=2) == _outcome(
            _reference, sk, bad, policy
        )


def test_without_the_native_path_the_reference_is_used(
    keys: tuple[fame.PublicKey, fame.MasterKey], monkeypatch: pytest.MonkeyPatch
) -> None:
    pk, msk = keys
    ct, element = fame.encapsulate(pk, "sector:finance")
    sk = fame.keygen(msk, ["sector:finance"])
    monkeypatch.setattr(decapsulation, "direct", lambda: None)
    data = serial.dump_ciphertext(ct)
    assert decapsulation.secret(sk, data, "sector:finance", epoch=2) == element.serialize()
