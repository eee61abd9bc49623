"""Batches share one encapsulation; each item stays bound to its own context."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.model.envelope import BlindIndex
from threatmesh.privacy.abe import decapsulation, fame, hybrid, sealing
from threatmesh.privacy.abe.errors import DecryptionFailed, MalformedData

POLICY = "2 of (org:CERT, role:analyst, country:BE)"


def test_one_decapsulation_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    pk, msk = fame.setup(1)
    sk = fame.keygen(msk, ["org:CERT", "role:analyst"])
    items = [hybrid.Item(f"v{i}".encode(), f"text|{i}".encode()) for i in range(5)]
    sealed = hybrid.seal_many(pk, POLICY, items)
    assert len({e.abe for e in sealed}) == 1 and len({e.nonce for e in sealed}) == 5
    calls = []
    real = decapsulation.secret
    monkeypatch.setattr(decapsulation, "secret", lambda *a, **k: calls.append(1) or real(*a, **k))
    cache: hybrid.SecretCache = {}
    opened = [
        hybrid.open_envelope(sk, e, context=i.context, cache=cache)
        for e, i in zip(sealed, items, strict=True)
    ]
    assert opened == [i.payload for i in items] and len(calls) == 1
    # A body moved to another item of the same batch does not open there.
    moved = dataclasses.replace(sealed[0], body=sealed[1].body, nonce=sealed[1].nonce)
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        hybrid.open_envelope(sk, moved, context=items[0].context, cache=cache)


def test_sealed_keys() -> None:
    private = X25519PrivateKey.generate()
    box = sealing.seal(private.public_key(), b"attribute key")
    assert sealing.unseal(private, box) == b"attribute key"
    with pytest.raises(DecryptionFailed):
        sealing.unseal(X25519PrivateKey.generate(), box)
    with pytest.raises(MalformedData):
        sealing.unseal(private, "{}")
    with pytest.raises(MalformedData):
        sealing.public_key_from_b64("AAAA")


@settings(max_examples=60, deadline=None)
@given(
    epoch=st.integers(min_value=1, max_value=2**31),
    policy_text=st.text(min_size=1, max_size=40),
    with_index=st.booleans(),
    context=st.binary(max_size=64),
)
def test_associated_data_is_the_documented_json(
    epoch: int, policy_text: str, with_index: bool, context: bytes
) -> None:
    # The bytes sealed envelopes were authenticated with must never change.
    index = BlindIndex("0" * 8 + "-0000-4000-8000-" + "0" * 12, "ab" * 32) if with_index else None
    bi = None if index is None else [index.key_id, index.tag]
    expected = (
        b"threatmesh/abe/v1\x00"
        + json.dumps([epoch, policy_text, bi, context.hex()], separators=(",", ":")).encode()
    )
    assert hybrid.associated_data(epoch, policy_text, index, context) == expected


@settings(max_examples=40, deadline=None)
@given(secret=st.binary(min_size=1, max_size=600), context=st.binary(max_size=80))
def test_item_keys_are_rfc5869_hkdf(secret: bytes, context: bytes) -> None:
    # Extract once per batch + expand per item must equal one-shot HKDF-SHA256.
    one_shot = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"threatmesh/abe/v1/aes-256-gcm\x00" + context)  # fmt: skip
    # The batch's keyed HMAC is copied per item, never consumed: every item, and the
    # same item twice, gets RFC 5869's output.
    batch = hybrid._extract(secret)
    expected = one_shot.derive(secret)
    assert batch.aes_key(context) == expected
    assert batch.aes_key(b"other" + context) != expected
    assert batch.aes_key(context) == expected
