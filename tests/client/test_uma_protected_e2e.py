"""The issue's scenario through UMA: the producer protects attributes under
``(sector:finance or org:CERT) and role:analyst`` and grants ``read`` by UMA policy; a
finance analyst obtains an RPT, fetches the event from the protected path and decrypts;
a retail analyst is denied the event itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support import LiveServer, live_server

from threatmesh.client import envelopes
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.client.uma import UmaClient, UmaDenied

POLICY = "(sector:finance or org:CERT) and role:analyst"
SECRET = "203.0.113.177"


@pytest.fixture
def srv(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(
        sqlite_url,
        tmp_path,
        abe_role_attributes={"User": ["analyst"]},
        abe_authority_dir=tmp_path / "authority",
    ) as server:
        server.platform.trust.issuer = server.url
        yield server


def _user(admin: ThreatmeshClient, org: dict[str, str]) -> str:
    org_id = admin.request("POST", "/admin/organisations/add", json=org)["Organisation"]["id"]
    email = f"analyst@{org['name'].lower()}.test"
    user = admin.request("POST", "/admin/users/add", json={"email": email, "org_id": org_id})
    return str(user["User"]["authkey"])


def test_rpt_then_decrypt(srv: LiveServer) -> None:
    with ThreatmeshClient(srv.url, srv.admin_key) as admin:
        keys = {n: _user(admin, {"name": n, "sector": s}) for n, s in
                (("PRODUCER", "telecom"), ("BANK", "finance"), ("SHOP", "retail"))}  # fmt: skip
    with ThreatmeshClient(srv.url, keys["PRODUCER"]) as producer:
        event = {"info": "protected", "distribution": 0,
                 "Attribute": [{"type": "ip-dst", "value": SECRET}]}  # fmt: skip
        stored = ProtectedClient(producer, Keyring()).protect_event(event, POLICY)
        assert SECRET not in str(stored)
        producer.request("POST", "/uma/policies", json={"event": stored["uuid"],
                         "scopes": ["read", "read:protected"], "sectors": ["finance"]})  # fmt: skip
    path = f"/uma/events/{stored['uuid']}"
    with UmaClient(srv.url, keys["BANK"]) as uma, ThreatmeshClient(srv.url, keys["BANK"]) as bank:
        fetched = uma.get(path)
        assert fetched.status_code == 200, fetched.text
        sealed_event = fetched.json()["Event"]
        assert SECRET not in fetched.text  # the server hands out the envelope only
        mine = ProtectedClient(bank, Keyring())
        keys_by_epoch = {e: mine.secret_key(e) for e in envelopes.epochs(sealed_event)}
        revealed, still_sealed = envelopes.reveal_event(sealed_event, keys_by_epoch)
    assert still_sealed == 0
    assert [a["value"] for a in revealed["Attribute"]] == [SECRET]
    with UmaClient(srv.url, keys["SHOP"]) as uma, pytest.raises(UmaDenied):
        uma.get(path)
