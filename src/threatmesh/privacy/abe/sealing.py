"""Deliver a secret key to its user only: sealed to the user's X25519 public key.

ECIES in the shape of HPKE's base mode (RFC 9180, DHKEM(X25519, HKDF-SHA256) with
AES-256-GCM), built from ``cryptography``'s primitives: an ephemeral X25519 key pair, the
shared secret through HKDF-SHA256 (info binds both public keys), AES-256-GCM. The
authority forgets the ephemeral key; only the holder of the private key can open it.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from threatmesh.privacy.abe.errors import DecryptionFailed, MalformedData

_INFO = b"threatmesh/abe/v1/sealed-key"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def public_key_from_b64(text: str) -> X25519PublicKey:
    """An X25519 public key from base64 of its 32 raw bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
        return X25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise MalformedData("x25519_public_key: expected base64 of 32 bytes") from None


def public_key_b64(key: X25519PublicKey) -> str:
    """base64 of the raw public key."""
    return base64.b64encode(key.public_bytes(*_RAW)).decode()


def _key(shared: bytes, eph: bytes, recipient: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + eph + recipient)
    return kdf.derive(shared)


def seal(recipient: X25519PublicKey, plaintext: bytes) -> str:
    """``plaintext`` readable only with ``recipient``'s private key (JSON text)."""
    eph = X25519PrivateKey.generate()
    eph_raw = eph.public_key().public_bytes(*_RAW)
    rec_raw = recipient.public_bytes(*_RAW)
    nonce = secrets.token_bytes(12)
    body = AESGCM(_key(eph.exchange(recipient), eph_raw, rec_raw)).encrypt(nonce, plaintext, None)
    parts = {"ephemeral": eph_raw, "nonce": nonce, "body": body}
    return json.dumps({"v": 1} | {k: base64.b64encode(v).decode() for k, v in parts.items()})


def unseal(private: X25519PrivateKey, sealed: str) -> bytes:
    """Inverse of :func:`seal`."""
    try:
        d = json.loads(sealed)
        eph_raw, nonce, body = (
            base64.b64decode(d[k], validate=True) for k in ("ephemeral", "nonce", "body")
        )
        eph = X25519PublicKey.from_public_bytes(eph_raw)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise MalformedData("sealed key: not a sealed-key document") from None
    rec_raw = private.public_key().public_bytes(*_RAW)
    try:
        return AESGCM(_key(private.exchange(eph), eph_raw, rec_raw)).decrypt(nonce, body, None)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("sealed key: cannot open (not sealed to this key)") from None
