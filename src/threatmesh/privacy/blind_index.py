"""Keyed blind indexes: correlate protected values without revealing them.

A blind index tag is HMAC-SHA256 of the MISP-normalised value under a 32-byte key shared
by the recipients of a policy (the key itself travels CP-ABE-encrypted under that
policy). Whoever holds the key can compute the tag of a value they already know and find
protected attributes carrying it; the server and everyone else see only that two
protected values under the same key are equal (the leakage every deterministic index has).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from threatmesh.model.validation.values import normalize_value

KEY_BYTES = 32
_LABEL = b"threatmesh/blind-index/v1\x00"


def new_key() -> bytes:
    """A fresh random index key."""
    return secrets.token_bytes(KEY_BYTES)


def tag(key: bytes, type_: str, value: str) -> str:
    """The tag of ``value`` (normalised as MISP type ``type_``) under ``key``."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a blind index key is {KEY_BYTES} bytes")
    v1, v2 = normalize_value(type_, value)
    normal = f"{v1}|{v2}" if v2 else v1
    return hmac.new(key, _LABEL + normal.encode(), hashlib.sha256).hexdigest()
