"""Hybrid encryption: FAME wraps the AES-256-GCM keys; payloads are AES-GCM.

``seal_many`` encapsulates a random GT element under the policy once for a batch; each
item's AES-256 key is HKDF-SHA256 of that element with the item's ``context`` (the
attribute's type and UUID), and AES-GCM's associated data binds the epoch, the policy,
the blind index and the context, so a server cannot move an envelope to another
attribute or edit its policy without decryption failing.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from threatmesh.model.envelope import BlindIndex, Envelope
from threatmesh.privacy.abe import decapsulation, fame, serial
from threatmesh.privacy.abe.errors import DecryptionFailed

_INFO = b"threatmesh/abe/v1/aes-256-gcm\x00"
_SHA256 = hashes.SHA256()


@dataclass(frozen=True, slots=True)
class Item:
    """One payload to seal, its context (attribute type and UUID) and blind index."""

    payload: bytes
    context: bytes
    blind_index: BlindIndex | None = None


@dataclass(frozen=True, slots=True)
class BatchKey:
    """A batch's HKDF pseudorandom key (the extract step of the encapsulated GT
    element, :func:`_extract`), keyed into HMAC-SHA256 once: each item's expand is a copy
    of that keyed state, which costs a fifth of building an ``HKDFExpand``."""

    mac: hmac.HMAC

    def aes_key(self, context: bytes) -> bytes:
        """A per-item AES-256 key: HKDF-SHA256 (RFC 5869, no salt) of the batch's
        element, bound to the item's context, so the items of one batch never share an
        AES key. 32 bytes are one SHA-256 block, so HKDF-Expand is exactly
        ``T(1) = HMAC(PRK, info || 0x01)``."""
        mac = self.mac.copy()
        mac.update(_INFO + context + b"\x01")
        return mac.finalize()


def _extract(secret: bytes) -> BatchKey:
    """HKDF-Extract of ``secret`` with the default salt (HashLen zero bytes)."""
    mac = hmac.HMAC(bytes(32), _SHA256)
    mac.update(secret)
    return BatchKey(hmac.HMAC(mac.finalize(), _SHA256))


#: Batch keys by (policy, ABE ciphertext), shared by the envelopes of a batch.
SecretCache = dict[tuple[str, bytes], BatchKey]


def associated_data(
    epoch: int, policy_text: str, blind_index: BlindIndex | None, context: bytes
) -> bytes:
    """What AES-GCM authenticates besides the payload: ``threatmesh/abe/v1``, NUL, then
    the compact JSON ``[epoch, policy, blind index or null, context in hex]``."""
    bi = None if blind_index is None else (blind_index.key_id, blind_index.tag)
    # Every item of a batch shares the first three fields; a hex string needs no escaping.
    return _aad_prefix(epoch, policy_text, bi) + b'"' + context.hex().encode() + b'"]'


@functools.lru_cache(maxsize=1024)
def _aad_prefix(epoch: int, policy_text: str, bi: tuple[str, str] | None) -> bytes:
    head = json.dumps([epoch, policy_text, None if bi is None else list(bi)], separators=(",", ":"))
    return b"threatmesh/abe/v1\x00" + head[:-1].encode() + b","


def seal_many(pk: fame.PublicKey, policy_text: str, items: Sequence[Item]) -> list[Envelope]:
    """Seal ``items`` under ``policy_text`` with ONE encapsulation: the envelopes share
    the ABE ciphertext, so a reader pays the pairings once per batch (an event's worth
    of attributes), not once per attribute."""
    ct, element = fame.encapsulate(pk, policy_text)
    abe, batch = serial.dump_ciphertext(ct), _extract(element.serialize())
    out = []
    for item in items:
        nonce = secrets.token_bytes(12)
        aad = associated_data(pk.epoch, policy_text, item.blind_index, item.context)
        body = AESGCM(batch.aes_key(item.context)).encrypt(nonce, item.payload, aad)
        out.append(Envelope(pk.epoch, policy_text, abe, nonce, body, item.blind_index))
    return out


def seal(
    pk: fame.PublicKey,
    policy_text: str,
    payload: bytes,
    *,
    context: bytes,
    blind_index: BlindIndex | None = None,
) -> Envelope:
    """``payload`` encrypted so that only keys satisfying ``policy_text`` open it."""
    return seal_many(pk, policy_text, [Item(payload, context, blind_index)])[0]


def _batch_key(sk: fame.SecretKey, envelope: Envelope, cache: SecretCache | None) -> BatchKey:
    slot = (envelope.policy, envelope.abe)
    if cache is not None and slot in cache:
        return cache[slot]
    batch = _extract(decapsulation.secret(sk, envelope.abe, envelope.policy, epoch=envelope.epoch))
    if cache is not None:
        cache[slot] = batch
    return batch


def open_envelope(
    sk: fame.SecretKey, envelope: Envelope, *, context: bytes, cache: SecretCache | None = None
) -> bytes:
    """The payload of ``envelope``; :class:`DecryptionFailed` (or a subclass saying why)
    when the key cannot open it or anything was tampered with. ``cache`` (one dict per
    batch of reads) keeps decapsulated secrets for envelopes that share a ciphertext."""
    batch = _batch_key(sk, envelope, cache)
    aad = associated_data(envelope.epoch, envelope.policy, envelope.blind_index, context)
    try:
        return AESGCM(batch.aes_key(context)).decrypt(envelope.nonce, envelope.body, aad)
    except InvalidTag:
        raise DecryptionFailed(
            "envelope: authentication failed (wrong key or tampered ciphertext)"
        ) from None
