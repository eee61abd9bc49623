"""The user's own keys, on the user's machine: an X25519 key pair (to receive attribute
keys) and the CP-ABE secret key of each epoch. One JSON file, mode 0600."""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from threatmesh.model.errors import InvalidInput
from threatmesh.privacy.abe import fame, serial


class Keyring:
    """Keys kept at ``path`` (created on first save)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.private = X25519PrivateKey.generate()
        self.abe_keys: dict[int, str] = {}
        # Parsed keys by epoch, with the text they were parsed from: parsing checks every
        # point of the key (2.5 ms for a 12-attribute key), and each fetch needs the key.
        self._parsed: dict[int, tuple[str, fame.SecretKey]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                raw = base64.b64decode(data["x25519_private"], validate=True)
                self.private = X25519PrivateKey.from_private_bytes(raw)
                self.abe_keys = {int(k): str(v) for k, v in data.get("abe_keys", {}).items()}
            except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
                raise InvalidInput(f"{path}: not a threatmesh keyring") from None

    def secret_key(self, epoch: int) -> fame.SecretKey | None:
        """The ABE key of ``epoch``, if held (parsed once per key text)."""
        text = self.abe_keys.get(epoch)
        if text is None:
            return None
        hit = self._parsed.get(epoch)
        if hit is not None and hit[0] == text:
            return hit[1]
        sk = serial.load_secret(text)
        self._parsed[epoch] = (text, sk)
        return sk

    def add(self, key_text: str) -> fame.SecretKey:
        """Keep a freshly issued ABE key (JSON text) and save."""
        sk = serial.load_secret(key_text)
        self.abe_keys[sk.epoch] = key_text
        self._parsed[sk.epoch] = (key_text, sk)
        self.save()
        return sk

    def save(self) -> None:
        """Write the keyring (mode 0600); no-op for an in-memory keyring."""
        if self.path is None:
            return
        raw = self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        doc = {"x25519_private": base64.b64encode(raw).decode(), "abe_keys": self.abe_keys}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        tmp.replace(self.path)
