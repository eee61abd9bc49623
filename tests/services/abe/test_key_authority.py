"""The key authority on both databases: attributes, sealed delivery, epochs, revocation."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.privacy.abe import fame, hybrid, sealing, serial
from threatmesh.services.abe.key_authority import KeyAuthority, trust_from_config
from threatmesh.services.admin import organisations, users
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.abe import records as abe_records
from threatmesh.storage.abe.keystore import FileKeyStore
from threatmesh.storage.directory import records as directory

CTX = b"text|00000000-0000-4000-8000-000000000000"


def _identity(
    platform: Platform, email: str, org: str, role_id: int = 3, **org_fields: str
) -> Identity:
    with platform.read() as conn:
        found = directory.find_org(conn, org)
    if found is not None:
        org_id = found["id"]
    else:
        org_id = organisations.add_org(platform, None, {"name": org, **org_fields})["id"]
    key = users.add_user(platform, None, {"email": email, "org_id": org_id, "role_id": role_id})[
        "User"
    ]["authkey"]
    who = platform.identify(key)
    assert who is not None
    return who


def _issue(
    authority: KeyAuthority, platform: Platform, who: Identity, **extra: object
) -> tuple[dict[str, object], X25519PrivateKey]:
    private = X25519PrivateKey.generate()
    body = {"x25519_public_key": sealing.public_key_b64(private.public_key()), **extra}
    return authority.issue(platform, who, body), private


def test_keys_carry_the_users_attributes_and_are_sealed(platform: Platform, tmp_path: Path) -> None:
    authority = KeyAuthority(
        FileKeyStore(tmp_path / "ka"),
        trust_from_config({"BANK": 4}),
        role_aliases={"User": ["analyst"]},
    )
    who = _identity(platform, "a@bank.test", "BANK", sector="Finance", nationality="BE")
    issued, private = _issue(authority, platform, who)
    assert issued["attributes"] == [
        "org:BANK",
        "role:user",
        "role:analyst",
        "sector:finance",
        "country:BE",
        "trust=4",
    ]
    sk = serial.load_secret(sealing.unseal(private, str(issued["sealed_key"])))
    pk = serial.load_public(json.dumps(authority.public_key(platform)["public_key"]))
    env = hybrid.seal(pk, "sector:finance and trust>=3 and country:BE", b"ok", context=CTX)
    assert hybrid.open_envelope(sk, env, context=CTX) == b"ok"
    with pytest.raises(Exception, match="cannot open"):
        sealing.unseal(X25519PrivateKey.generate(), str(issued["sealed_key"]))
    # The master key is in the authority's directory, private to its owner; the database
    # holds the public key and an issuance record, not the user's key.
    files = list((tmp_path / "ka").iterdir())
    assert [f.name for f in files] == ["epoch-1.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    with platform.read() as conn:
        record = abe_records.issuances(conn, who.viewer.user_id)[0]
    assert json.loads(record["attributes"]) == issued["attributes"]
    assert str(issued["sealed_key"]) not in str(dict(record))


def test_revocation_rolls_the_epoch_once(platform: Platform, tmp_path: Path) -> None:
    authority = KeyAuthority(FileKeyStore(tmp_path / "ka"))
    root = _identity(platform, "root@admin.test", "ADMIN", role_id=1)
    user = _identity(platform, "u@bank.test", "BANK")
    _issue(authority, platform, user)
    with pytest.raises(Forbidden):
        authority.revoke(platform, user, str(root.viewer.user_id))
    assert authority.revoke(platform, root, str(user.viewer.user_id))["epoch"] == 2
    assert authority.revoke(platform, root, str(user.viewer.user_id))["epoch"] == 2
    assert authority.public_key(platform)["epoch"] == 2
    with pytest.raises(Forbidden, match="revoked"):
        _issue(authority, platform, user)
    old, _ = _issue(authority, platform, user, epoch=1)  # still entitled to older data
    assert old["epoch"] == 1
    for bad in (0, 3, "1", True):
        with pytest.raises(InvalidInput, match="epoch"):
            _issue(authority, platform, root, epoch=bad)
    with pytest.raises(InvalidInput, match="x25519_public_key"):
        authority.issue(platform, root, {"x25519_public_key": "short"})
    assert FileKeyStore(tmp_path / "ka").put(2, "another key") is False


def test_an_epoch_in_the_store_but_not_in_the_database_is_recovered(
    platform: Platform, tmp_path: Path
) -> None:
    store = FileKeyStore(tmp_path / "ka")
    pk, msk = fame.setup(1)
    assert store.put(1, serial.dump_master(msk))  # as if the process died before the insert
    published = KeyAuthority(store).public_key(platform)
    assert serial.load_public(json.dumps(published["public_key"])).T == pk.T
