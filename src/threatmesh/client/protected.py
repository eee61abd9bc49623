"""Transparent protected sharing: encrypt before upload, decrypt after fetch.

``ProtectedClient`` wraps a :class:`ThreatmeshClient` and the user's :class:`Keyring`:
it fetches the authority's current public key to protect, and obtains (once per epoch)
the user's attribute key, sealed to the keyring's X25519 key, to reveal.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from threatmesh.client import envelopes
from threatmesh.client.envelopes import Attribute, IndexKey
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.model import envelope
from threatmesh.privacy import blind_index
from threatmesh.privacy.abe import fame, hybrid, sealing, serial
from threatmesh.privacy.abe.errors import DecryptionFailed


def _index_context(key_id: str) -> bytes:
    return f"blind-index-key|{key_id}".encode()


class ProtectedClient:
    """Protect and reveal intelligence through ``client`` with the keys in ``keyring``."""

    def __init__(self, client: ThreatmeshClient, keyring: Keyring) -> None:
        self.client = client
        self.keyring = keyring

    def public_key(self) -> fame.PublicKey:
        """The authority's current public key."""
        doc = self.client.abe_public_key()
        return serial.load_public(json.dumps(doc["public_key"]))

    def secret_key(self, epoch: int) -> fame.SecretKey | None:
        """The user's key of ``epoch``: from the keyring, else issued by the authority;
        None when the authority refuses (the user is revoked from that epoch on)."""
        held = self.keyring.secret_key(epoch)
        if held is not None:
            return held
        mine = sealing.public_key_b64(self.keyring.private.public_key())
        try:
            issued = self.client.abe_issue_key(mine, epoch)
        except ClientError as exc:
            if exc.status in (400, 403):
                return None
            raise
        sk = self.keyring.add(sealing.unseal(self.keyring.private, issued["sealed_key"]).decode())
        return sk if sk.epoch == epoch else None

    def new_index_key(self, policy: str) -> IndexKey:
        """A fresh blind-index key for ``policy``'s recipients, stored sealed under it."""
        key_id, key = str(uuidlib.uuid4()), blind_index.new_key()
        sealed = hybrid.seal(self.public_key(), policy, key, context=_index_context(key_id))
        self.client.add_index_key(key_id, sealed.to_json())
        return IndexKey(key_id, key)

    def index_key(self, key_id: str) -> IndexKey | None:
        """A stored blind-index key, if this user's key opens it."""
        sealed = envelope.parse(self.client.index_key(key_id)["Protected"])
        sk = self.secret_key(sealed.epoch)
        if sk is None:
            return None
        try:
            key = hybrid.open_envelope(sk, sealed, context=_index_context(key_id))
        except DecryptionFailed:
            return None
        return IndexKey(key_id, key)

    def protect_event(
        self,
        event: dict[str, Any],
        policy: str,
        *,
        select: Callable[[Attribute], bool] = lambda a: True,
        index: IndexKey | None = None,
    ) -> dict[str, Any]:
        """Encrypt ``event``'s selected attributes under ``policy``, then upload it."""
        protected = envelopes.protect_event(
            event, policy, self.public_key(), select=select, index=index
        )
        return self.client.add_event(protected)

    def protect_attributes(
        self,
        event_ref: str | int,
        attrs: list[Attribute],
        policy: str,
        *,
        index: IndexKey | None = None,
    ) -> list[Any]:
        """Encrypt ``attrs`` under ``policy`` and add them to an event."""
        sealed = envelopes.protect_attributes(attrs, policy, self.public_key(), index=index)
        return self.client.add_attributes(event_ref, sealed)

    def protect_object(
        self,
        event_ref: str | int,
        obj: dict[str, Any],
        policy: str,
        *,
        index: IndexKey | None = None,
    ) -> dict[str, Any]:
        """Encrypt every attribute of a MISP object under ``policy`` and add it."""
        sealed = envelopes.protect_object(obj, policy, self.public_key(), index=index)
        return self.client.add_object(event_ref, sealed)

    def reveal_event(self, ref: str | int) -> tuple[dict[str, Any], int]:
        """Fetch an event and decrypt what this user may read; also answers how many
        protected attributes stay sealed."""
        event = self.client.get_event(ref)
        keys = {epoch: self.secret_key(epoch) for epoch in envelopes.epochs(event)}
        return envelopes.reveal_event(event, keys)

    def blind_search(self, index: IndexKey, type_: str, value: str) -> list[dict[str, Any]]:
        """Protected attributes whose plaintext equals ``value`` under ``index``'s key."""
        tag = envelope.BlindIndex(index.key_id, blind_index.tag(index.key, type_, value))
        return self.client.search_attributes(value=envelope.blind_marker(tag))
