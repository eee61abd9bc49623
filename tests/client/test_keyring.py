"""The keyring: keys survive a reload, and each key text is parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatmesh.client import keyring as keyring_module
from threatmesh.client.keyring import Keyring
from threatmesh.privacy.abe import fame, serial


def _key_text(msk: fame.MasterKey, *attributes: str) -> str:
    return serial.dump_secret(fame.keygen(msk, list(attributes)))


def test_a_key_is_parsed_once_per_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, msk = fame.setup(4)
    ring = Keyring(tmp_path / "keys.json")
    first = ring.add(_key_text(msk, "sector:finance"))
    parsed: list[str] = []
    real = serial.load_secret
    monkeypatch.setattr(
        keyring_module.serial, "load_secret", lambda text: parsed.append(text) or real(text)
    )
    assert ring.secret_key(4) is first and ring.secret_key(4) is first
    assert parsed == []  # kept from add
    replacement = _key_text(msk, "org:CERT")
    ring.abe_keys[4] = replacement  # the text changed: the key is parsed again
    assert ring.secret_key(4) is not first
    assert set(ring.secret_key(4).components) == {"org:CERT"}  # type: ignore[union-attr]
    assert parsed == [replacement]
    del ring.abe_keys[4]
    assert ring.secret_key(4) is None


def test_a_reloaded_keyring_opens_what_the_saved_one_did(tmp_path: Path) -> None:
    pk, msk = fame.setup(5)
    ring = Keyring(tmp_path / "keys.json")
    ring.add(_key_text(msk, "sector:finance"))
    ct, element = fame.encapsulate(pk, "sector:finance")
    again = Keyring(tmp_path / "keys.json").secret_key(5)
    assert again is not None and fame.decapsulate(again, ct) == element
