"""Hybrid encryption: FAME wraps an AES-256-GCM key; the payload is AES-GCM.

``seal`` encapsulates a random GT element under the policy, derives the AES key from it
with HKDF-SHA256, and encrypts the payload with AES-256-GCM whose associated data binds
the epoch, the policy, the blind index and a caller ``context`` (the attribute's type and
UUID), so a server cannot move an envelope to another attribute or edit its policy
without decryption failing.
"""

from __future__ import annotations

import json
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from threatmesh.model.envelope import BlindIndex, Envelope
from threatmesh.privacy.abe import fame, serial
from threatmesh.privacy.abe.errors import DecryptionFailed
from threatmesh.privacy.abe.group import GT

_INFO = b"threatmesh/abe/v1/aes-256-gcm"


def _aes_key(element: GT) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        element.serialize()
    )


def associated_data(
    epoch: int, policy_text: str, blind_index: BlindIndex | None, context: bytes
) -> bytes:
    """What AES-GCM authenticates besides the payload."""
    bi = None if blind_index is None else [blind_index.key_id, blind_index.tag]
    fields = [epoch, policy_text, bi, context.hex()]
    return b"threatmesh/abe/v1\x00" + json.dumps(fields, separators=(",", ":")).encode()


def seal(
    pk: fame.PublicKey,
    policy_text: str,
    payload: bytes,
    *,
    context: bytes,
    blind_index: BlindIndex | None = None,
) -> Envelope:
    """``payload`` encrypted so that only keys satisfying ``policy_text`` open it."""
    ct, element = fame.encapsulate(pk, policy_text)
    nonce = secrets.token_bytes(12)
    aad = associated_data(pk.epoch, policy_text, blind_index, context)
    body = AESGCM(_aes_key(element)).encrypt(nonce, payload, aad)
    return Envelope(pk.epoch, policy_text, serial.dump_ciphertext(ct), nonce, body, blind_index)


def open_envelope(sk: fame.SecretKey, envelope: Envelope, *, context: bytes) -> bytes:
    """The payload of ``envelope``; :class:`DecryptionFailed` (or a subclass saying why)
    when the key cannot open it or anything was tampered with."""
    ct = serial.load_ciphertext(envelope.abe, envelope.policy)
    if ct.epoch != envelope.epoch:
        raise DecryptionFailed("envelope: its epoch and its ciphertext's epoch differ")
    element = fame.decapsulate(sk, ct)
    aad = associated_data(envelope.epoch, envelope.policy, envelope.blind_index, context)
    try:
        return AESGCM(_aes_key(element)).decrypt(envelope.nonce, envelope.body, aad)
    except InvalidTag:
        raise DecryptionFailed(
            "envelope: authentication failed (wrong key or tampered ciphertext)"
        ) from None
