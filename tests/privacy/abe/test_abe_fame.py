"""FAME and the hybrid envelope: correctness, collusion, revocation, tampering, encodings."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from tests.privacy.abe.strategies import ATTRIBUTES, attribute_sets, policies

from threatmesh.model.envelope import Envelope
from threatmesh.privacy.abe import fame, hybrid, policy, serial
from threatmesh.privacy.abe.errors import (
    DecryptionFailed,
    EpochMismatch,
    MalformedData,
    PolicyNotSatisfied,
)

POLICY = "(sector:finance or org:CERT) and role:analyst"
CTX = b"ip-dst|0b6c2b1e-6a1f-4c55-9d0e-0a3b6f1d2c4e"


@pytest.fixture(scope="module")
def keys() -> tuple[fame.PublicKey, fame.MasterKey]:
    return fame.setup(1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=policies, attrs=attribute_sets)
def test_decryption_succeeds_exactly_when_satisfied(text: str, attrs: list[str]) -> None:
    pk, msk = _KEYS
    sk = fame.keygen(msk, attrs)
    env = hybrid.seal(pk, text, b"secret", context=CTX)
    if policy.satisfied(policy.parse(text), policy.key_attributes(attrs)):
        assert hybrid.open_envelope(sk, env, context=CTX) == b"secret"
        return
    with pytest.raises(PolicyNotSatisfied):
        hybrid.open_envelope(sk, env, context=CTX)
    # Borrowing the missing attributes' components from a key that holds everything
    # does not help: the components are tied to the key they were issued in.
    borrowed = dataclasses.replace(sk, components=_EVERYTHING.components | sk.components)
    with pytest.raises(DecryptionFailed):
        hybrid.open_envelope(borrowed, env, context=CTX)


_KEYS = fame.setup(7)
_EVERYTHING = fame.keygen(_KEYS[1], [*ATTRIBUTES, "trust=7"])


def test_colluding_users_cannot_pool_attributes(
    keys: tuple[fame.PublicKey, fame.MasterKey],
) -> None:
    pk, msk = keys
    finance = fame.keygen(msk, ["org:BANK", "sector:finance", "role:manager"])
    analyst = fame.keygen(msk, ["org:SHOP", "sector:retail", "role:analyst"])
    env = hybrid.seal(pk, POLICY, b"iocs", context=CTX)
    for user in (finance, analyst):
        with pytest.raises(PolicyNotSatisfied):
            hybrid.open_envelope(user, env, context=CTX)
    # Key mixing: one user's base components with the other's attribute component.
    mixed = dataclasses.replace(
        finance,
        attributes=(*finance.attributes, "role:analyst"),
        components=finance.components | {"role:analyst": analyst.components["role:analyst"]},
    )
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        hybrid.open_envelope(mixed, env, context=CTX)
    ct = serial.load_ciphertext(env.abe, env.policy)
    honest = fame.keygen(msk, ["sector:finance", "role:analyst"])
    assert fame.decapsulate(mixed, ct) != fame.decapsulate(honest, ct)


def test_revocation_by_epoch() -> None:
    pk1, msk1 = fame.setup(1)
    revoked = fame.keygen(msk1, ["sector:finance", "role:analyst"])
    old = hybrid.seal(pk1, POLICY, b"before", context=CTX)
    pk2, msk2 = fame.setup(2)  # the authority rolls the epoch after revoking a user
    kept = fame.keygen(msk2, ["org:CERT", "role:analyst"])
    new = hybrid.seal(pk2, POLICY, b"after", context=CTX)
    assert hybrid.open_envelope(revoked, old, context=CTX) == b"before"
    assert hybrid.open_envelope(kept, new, context=CTX) == b"after"
    with pytest.raises(EpochMismatch):
        hybrid.open_envelope(revoked, new, context=CTX)
    # Relabelling the old key with the new epoch does not help: the master keys differ.
    relabelled = dataclasses.replace(revoked, epoch=2)
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        hybrid.open_envelope(relabelled, new, context=CTX)


def test_tampering_is_rejected(keys: tuple[fame.PublicKey, fame.MasterKey]) -> None:
    pk, msk = keys
    sk = fame.keygen(msk, ["sector:finance", "org:CERT", "role:analyst"])
    env = hybrid.seal(pk, POLICY, b"payload", context=CTX)
    flipped = bytes([env.body[0] ^ 1]) + env.body[1:]
    cases = [
        dataclasses.replace(env, body=flipped),
        dataclasses.replace(env, policy="org:CERT and role:analyst or sector:finance"),
        dataclasses.replace(env, policy="(org:CERT or sector:finance) and role:analyst"),
    ]
    for bad in cases:
        with pytest.raises(DecryptionFailed):
            hybrid.open_envelope(sk, bad, context=CTX)
    with pytest.raises(DecryptionFailed):
        hybrid.open_envelope(sk, env, context=b"ip-dst|another-attribute")
    # A row of the ABE header swapped for another valid point.
    other = hybrid.seal(pk, POLICY, b"x", context=CTX)
    spliced = env.abe[: 10 + 288] + other.abe[10 + 288 : 10 + 288 + 48] + env.abe[10 + 288 + 48 :]
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        hybrid.open_envelope(sk, dataclasses.replace(env, abe=spliced), context=CTX)


def test_keys_and_ciphertexts_round_trip(keys: tuple[fame.PublicKey, fame.MasterKey]) -> None:
    pk, msk = keys
    assert serial.dump_public(fame.public_key_of(msk)) == serial.dump_public(pk)
    pk2, msk2 = (
        serial.load_public(serial.dump_public(pk)),
        serial.load_master(serial.dump_master(msk)),
    )
    sk = serial.load_secret(serial.dump_secret(fame.keygen(msk2, ["role:analyst", "trust=4"])))
    env = hybrid.seal(pk2, "role:analyst and trust>=3", b"v", context=CTX)
    back = Envelope(**{f.name: getattr(env, f.name) for f in dataclasses.fields(env)})
    assert hybrid.open_envelope(sk, back, context=CTX) == b"v"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d | {"v": 2}, "unsupported version"),
        (lambda d: d | {"kind": "public"}, "'public' key"),
        (lambda d: d | {"epoch": 0}, "epoch"),
        (lambda d: d | {"sk0": "AAAA"}, "expected 3 x 96 bytes"),
        (lambda d: d | {"sk0": "!!"}, "not valid base64"),
        (lambda d: d | {"attributes": ["role:analyst", "org:X"]}, "do not match"),
        (lambda d: d | {"sk_prime": "/" * 192}, "not a valid G1"),
    ],
)
def test_malformed_secret_keys_are_rejected(
    keys: tuple[fame.PublicKey, fame.MasterKey], mutate: object, message: str
) -> None:
    doc = json.loads(serial.dump_secret(fame.keygen(keys[1], ["role:analyst"])))
    with pytest.raises(MalformedData, match=message):
        serial.load_secret(json.dumps(mutate(doc)))  # type: ignore[operator]


def test_malformed_ciphertexts_are_rejected(keys: tuple[fame.PublicKey, fame.MasterKey]) -> None:
    env = hybrid.seal(keys[0], POLICY, b"v", context=CTX)
    with pytest.raises(MalformedData, match="bad magic"):
        serial.load_ciphertext(b"XXXX" + env.abe[4:], POLICY)
    with pytest.raises(MalformedData, match="rows, but its policy needs"):
        serial.load_ciphertext(env.abe, "a and b and c and d")
    with pytest.raises(MalformedData, match="expected"):
        serial.load_ciphertext(env.abe[:-1], POLICY)
    with pytest.raises(MalformedData, match="not JSON"):
        serial.load_public("{")
