"""The protected-value envelope: how a CP-ABE-encrypted value travels through MISP JSON.

A protected attribute keeps its ``type`` and ``category``; its ``value`` is replaced by
an opaque marker (:func:`marker`), and the envelope travels in an extra ``Protected``
field of the attribute (PyMISP keeps unknown fields on a round trip)::

    "Protected": {
      "v": 1, "scheme": "fame-bls12-381",
      "epoch": 3,                         authority epoch the data was protected under
      "policy": "(sector:finance or org:CERT) and role:analyst",
      "abe": "<base64 FAME ciphertext>",  wraps the AES-256-GCM key
      "nonce": "<base64, 12 bytes>", "body": "<base64 AES-GCM ciphertext + tag>",
      "blind_index": {"key_id": "<uuid>", "tag": "<64 hex>"}    optional
    }

The server checks this shape only (it cannot decrypt). Pure: no crypto here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.errors import InvalidInput

VERSION = 1
SCHEME = "fame-bls12-381"
MARKER_PREFIX = "protected:"
MAX_POLICY_CHARS = 4096
_HEX64 = re.compile(r"[0-9a-f]{64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class BlindIndex:
    """A keyed blind index of the plaintext: HMAC under the key ``key_id``."""

    key_id: str
    tag: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """A protected value as stored and sent (the policy in clear, the rest opaque)."""

    epoch: int
    policy: str
    abe: bytes
    nonce: bytes
    body: bytes
    blind_index: BlindIndex | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the ``Protected`` field)."""
        out: dict[str, Any] = {
            "v": VERSION,
            "scheme": SCHEME,
            "epoch": self.epoch,
            "policy": self.policy,
            "abe": base64.b64encode(self.abe).decode(),
            "nonce": base64.b64encode(self.nonce).decode(),
            "body": base64.b64encode(self.body).decode(),
        }
        if self.blind_index is not None:
            out["blind_index"] = {"key_id": self.blind_index.key_id, "tag": self.blind_index.tag}
        return out

    def marker(self) -> str:
        """The value shown in place of the plaintext. With a blind index it is the index
        tag (so the ordinary correlation matches equal protected values under one key);
        without, a digest of the ciphertext, which matches nothing else."""
        if self.blind_index is not None:
            return blind_marker(self.blind_index)
        return MARKER_PREFIX + hashlib.sha256(self.abe + self.body).hexdigest()[:32]


def blind_marker(index: BlindIndex) -> str:
    """The marker of every protected value with blind index ``index``."""
    return f"{MARKER_PREFIX}{index.key_id}:{index.tag}"


def _b64(data: dict[str, Any], key: str, path: str) -> bytes:
    raw = data.get(key)
    if not isinstance(raw, str) or not raw:
        raise InvalidInput(f"{path}.{key}: expected a base64 string")
    try:
        return _decoded(raw) if key == "abe" else base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{path}.{key}: not valid base64") from None


@functools.lru_cache(maxsize=64)
def _decoded(text: str) -> bytes:
    # The attributes protected together share one ABE header: decode it once per batch.
    return base64.b64decode(text, validate=True)


def _blind_index(raw: Any, path: str) -> BlindIndex | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: expected an object with key_id and tag")
    key_id, tag = raw.get("key_id"), raw.get("tag")
    if not isinstance(key_id, str) or not _UUID.fullmatch(key_id):
        raise InvalidInput(f"{path}.key_id: expected a lower-case UUID")
    if not isinstance(tag, str) or not _HEX64.fullmatch(tag):
        raise InvalidInput(f"{path}.tag: expected 64 lower-case hex digits (HMAC-SHA256)")
    return BlindIndex(key_id, tag)


def _number(raw: Any) -> int | None:
    """An integer sent as a number or, as PyMISP re-serialises them, a digit string."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10:
        return int(raw)
    return None


def parse(raw: Any, path: str = "Protected") -> Envelope:
    """Check the JSON form; :class:`InvalidInput` names the offending field."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: expected an envelope object")
    if _number(raw.get("v")) != VERSION:
        raise InvalidInput(f"{path}.v: unsupported envelope version {raw.get('v')!r}")
    if raw.get("scheme") != SCHEME:
        raise InvalidInput(f"{path}.scheme: unsupported scheme {raw.get('scheme')!r}")
    epoch, policy = _number(raw.get("epoch")), raw.get("policy")
    if epoch is None or epoch < 1:
        raise InvalidInput(f"{path}.epoch: expected a positive integer")
    if not isinstance(policy, str) or not policy.strip() or len(policy) > MAX_POLICY_CHARS:
        raise InvalidInput(f"{path}.policy: expected a policy of 1-{MAX_POLICY_CHARS} characters")
    nonce = _b64(raw, "nonce", path)
    if len(nonce) != 12:
        raise InvalidInput(f"{path}.nonce: expected 12 bytes, got {len(nonce)}")
    body = _b64(raw, "body", path)
    if len(body) < 16:
        raise InvalidInput(f"{path}.body: shorter than the 16-byte GCM tag")
    return Envelope(
        epoch=epoch,
        policy=policy,
        abe=_b64(raw, "abe", path),
        nonce=nonce,
        body=body,
        blind_index=_blind_index(raw.get("blind_index"), f"{path}.blind_index"),
    )


def is_marker(value: str) -> bool:
    """Whether ``value`` is a protected-value marker."""
    return value.startswith(MARKER_PREFIX)


def is_protected(attribute: Mapping[str, Any]) -> bool:
    """Whether a MISP JSON attribute carries a protected value: an envelope, or a
    marker in place of the value (a copy that lost its envelope). Nothing but the
    holder of a CP-ABE key can read such a value."""
    return isinstance(attribute.get("Protected"), Mapping) or is_marker(
        str(attribute.get("value", ""))
    )
