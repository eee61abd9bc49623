"""One conformance suite for every master-key store."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from threatmesh.storage.abe.keystore import FileKeyStore, MasterKeyStore, MemoryKeyStore

STORES: dict[str, Callable[[Path], MasterKeyStore]] = {
    "memory": lambda _tmp: MemoryKeyStore(),
    "file": lambda tmp: FileKeyStore(tmp / "authority"),
}


@pytest.mark.parametrize("kind", sorted(STORES))
def test_store_keeps_each_epoch_once(kind: str, tmp_path: Path) -> None:
    store = STORES[kind](tmp_path)
    assert store.get(1) is None
    assert store.put(1, "master of epoch 1") is True
    assert store.put(1, "another") is False  # never overwritten
    assert store.put(2, "master of epoch 2") is True
    assert (store.get(1), store.get(2), store.get(3)) == (
        "master of epoch 1",
        "master of epoch 2",
        None,
    )


def test_file_store_is_private_to_its_owner(tmp_path: Path) -> None:
    FileKeyStore(tmp_path / "authority").put(1, "secret")
    assert stat.S_IMODE((tmp_path / "authority").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "authority" / "epoch-1.json").stat().st_mode) == 0o600
