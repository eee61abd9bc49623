"""Reputation as the ``trust`` attribute of CP-ABE keys: corroborated organisations get
keys that open ``trust>=3`` envelopes, others do not (both databases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from threatmesh.privacy.abe import hybrid, sealing, serial
from threatmesh.services.abe.key_authority import KeyAuthority, trust_from_config
from threatmesh.services.admin import organisations, users
from threatmesh.services.events import events, sightings
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import reputation
from threatmesh.storage.abe.keystore import FileKeyStore

CTX = b"ip-dst|00000000-0000-4000-8000-000000000000"


def _member(platform: Platform, org: str) -> Identity:
    org_id = organisations.add_org(platform, None, {"name": org})["id"]
    user = users.add_user(platform, None, {"email": f"a@{org.lower()}.test", "org_id": org_id})
    who = platform.identify(user["User"]["authkey"])
    assert who is not None
    return who


def _key(authority: KeyAuthority, platform: Platform, who: Identity) -> tuple[list[str], bytes]:
    private = X25519PrivateKey.generate()
    issued = authority.issue(
        platform, who, {"x25519_public_key": sealing.public_key_b64(private.public_key())}
    )
    return list(issued["attributes"]), sealing.unseal(private, str(issued["sealed_key"]))


def test_corroboration_opens_trust_policies(platform: Platform, tmp_path: Path) -> None:
    source, witness, newcomer = (_member(platform, n) for n in ("SOURCE", "WITNESS", "NEW"))
    authority = KeyAuthority(FileKeyStore(tmp_path / "ka"))
    authority.trust_of = reputation.trust_of(platform, trust_from_config({"WITNESS": 5}))
    event = {"info": "scan", "distribution": 1, "Attribute": [{"type": "ip-dst",
             "value": "192.0.2.77"}]}  # fmt: skip
    events.add_event(platform, source, {"Event": event})
    sightings.add_sighting(platform, witness, {"value": "192.0.2.77"}, None)

    attrs = {who.viewer.org_id: _key(authority, platform, who) for who in (source, witness,
             newcomer)}  # fmt: skip
    assert "trust=3" in attrs[source.viewer.org_id][0]  # one corroboration
    assert "trust=5" in attrs[witness.viewer.org_id][0]  # configured levels win
    assert "trust=2" in attrs[newcomer.viewer.org_id][0]  # no evidence yet
    pk = serial.load_public(json.dumps(authority.public_key(platform)["public_key"]))
    env = hybrid.seal(pk, "trust>=3", b"for trusted sources", context=CTX)
    for who, opens in ((source, True), (witness, True), (newcomer, False)):
        sk = serial.load_secret(attrs[who.viewer.org_id][1])
        if opens:
            assert hybrid.open_envelope(sk, env, context=CTX) == b"for trusted sources"
        else:
            with pytest.raises(Exception, match=r"(?i)policy|satisf|cannot"):
                hybrid.open_envelope(sk, env, context=CTX)
