"""End to end on a live server, three organisations: protect, reveal, deny, revoke.

The producer protects attributes under ``(sector:finance or org:CERT) and role:analyst``
through the client; an analyst of a finance organisation decrypts; an analyst of a
retail organisation sees markers and envelopes only, in every read path, and no table of
the server's database holds a plaintext.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from pymisp import MISPAttribute, PyMISP
from tests.support import LiveServer, live_server

from threatmesh.client.envelopes import IndexKey, attachment, protect_attribute
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.model import envelope
from threatmesh.storage.abe.tables import abe_index_keys
from threatmesh.storage.core.tables import attributes, ip_index

POLICY = "(sector:finance or org:CERT) and role:analyst"
SECRETS = [
    "203.0.113.77",
    "c2.evil-bank-phish.example",
    "4401882211007731",
    "cdn.evil-bank-phish.example",
    "198.51.100.66",
]
MODEL = b"\x89ONNX fraud-detector weights \x00\x01\x02" * 50


@dataclass
class Party:
    client: ThreatmeshClient
    protected: ProtectedClient
    key: str
    user_id: str


@pytest.fixture(autouse=True)
def _close_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every client a test opens is closed at its end (unclosed sockets are errors)."""
    opened: list[httpx.Client] = []
    real_init = httpx.Client.__init__

    def init(self: httpx.Client, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        opened.append(self)

    monkeypatch.setattr(httpx.Client, "__init__", init)
    yield
    for client in opened:
        client.close()


@pytest.fixture
def srv(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(
        db_url,
        tmp_path,
        abe_role_attributes={"User": ["analyst"]},
        abe_authority_dir=tmp_path / "authority",
    ) as server:
        yield server


def _party(srv: LiveServer, admin: ThreatmeshClient, org: dict[str, str], email: str) -> Party:
    found = admin.request("GET", "/organisations/index")
    org_id = next(
        (o["Organisation"]["id"] for o in found if o["Organisation"]["name"] == org["name"]), None
    )
    if org_id is None:
        org_id = admin.request("POST", "/admin/organisations/add", json=org)["Organisation"]["id"]
    user = admin.request(
        "POST", "/admin/users/add", json={"email": email, "org_id": org_id, "role_id": 3}
    )["User"]
    client = ThreatmeshClient(srv.url, user["authkey"])
    return Party(client, ProtectedClient(client, Keyring()), user["authkey"], user["id"])


def _event() -> dict[str, object]:
    return {
        "info": "Phishing campaign against banks",
        "distribution": 3,
        "Attribute": [
            {"type": "ip-dst", "value": SECRETS[0], "to_ids": True},
            {"type": "domain", "value": SECRETS[1]},
            {"type": "text", "value": "public context, not protected"},
            attachment("fraud-detector.onnx", MODEL),
        ],
        "Object": [
            {
                "name": "bank-account",
                "meta-category": "financial",
                "Attribute": [
                    {"type": "bank-account-nr", "object_relation": "account", "value": SECRETS[2]}
                ],
            }
        ],
    }


def _domain_ip() -> dict[str, object]:
    return {
        "name": "domain-ip",
        "Attribute": [
            {"type": "domain", "object_relation": "domain", "value": SECRETS[3]},
            {"type": "ip-dst", "object_relation": "ip", "value": SECRETS[4]},
        ],
    }


def _no_plaintext(text: str) -> None:
    for secret in [*SECRETS, base64.b64encode(MODEL).decode()[:40], "fraud-detector.onnx"]:
        assert secret not in text


def test_three_organisations(srv: LiveServer) -> None:
    admin = ThreatmeshClient(srv.url, srv.admin_key)
    producer = _party(srv, admin, {"name": "PRODUCER", "sector": "telecom"}, "p@producer.test")
    bank = _party(
        srv, admin, {"name": "BANK", "sector": "finance", "nationality": "BE"}, "a@bank.test"
    )
    shop = _party(srv, admin, {"name": "SHOP", "sector": "retail"}, "a@shop.test")

    index = producer.protected.new_index_key(POLICY)
    stored = producer.protected.protect_event(
        _event(), POLICY, select=lambda a: a["type"] != "text", index=index
    )
    event_id = stored["id"]
    added = producer.protected.protect_object(event_id, _domain_ip(), POLICY)
    _no_plaintext(json.dumps([stored, added]))
    protected_count = 6

    # The finance analyst reads everything.
    revealed, sealed = bank.protected.reveal_event(event_id)
    assert sealed == 0
    values = {a["value"] for a in revealed["Attribute"]}
    assert {SECRETS[0], SECRETS[1], "fraud-detector.onnx"} <= values
    model = next(a for a in revealed["Attribute"] if a["type"] == "attachment")
    assert base64.b64decode(model["data"]) == MODEL
    assert revealed["Object"][0]["Attribute"][0]["value"] == SECRETS[2]
    assert {a["value"] for a in revealed["Object"][1]["Attribute"]} == {SECRETS[3], SECRETS[4]}

    # The retail analyst sees that protected values exist, and nothing else.
    shown, sealed = shop.protected.reveal_event(event_id)
    assert sealed == protected_count
    assert {a["type"] for a in shown["Attribute"] if "Protected" in a} == {
        "ip-dst",
        "domain",
        "attachment",
    }
    raw = httpx.Client(base_url=srv.url, headers={"Authorization": shop.key})
    for method, path, body in [
        ("GET", f"/events/view/{event_id}", None),
        ("POST", "/attributes/restSearch", {"eventid": event_id}),
        ("POST", "/events/restSearch", {"eventid": event_id}),
        ("POST", "/attributes/restSearch", {"value": SECRETS[0]}),
    ]:
        response = raw.request(method, path, json=body)
        assert response.status_code == 200, response.text
        _no_plaintext(response.text)
    assert shop.client.search_attributes(value=SECRETS[0]) == []
    for attr in stored["Attribute"]:
        _no_plaintext(raw.get(f"/attributes/view/{attr['id']}").text)

    # PyMISP keeps the envelope on a round trip and reads the marker as the value.
    misp = PyMISP(srv.url, bank.key, ssl=False)
    ev = misp.get_event(event_id, pythonify=True)
    misp._PyMISP__session.close()
    ip = next(a for a in ev.attributes if a.type == "ip-dst")
    assert ip.value.startswith("protected:") and ip.to_dict()["Protected"]["policy"] == POLICY

    # Blind index: the recipients find equal values; others cannot open the index key.
    assert shop.protected.index_key(index.key_id) is None
    bank_index = bank.protected.index_key(index.key_id)
    assert bank_index is not None
    hits = bank.protected.blind_search(bank_index, "ip-dst", SECRETS[0])
    assert [h["uuid"] for h in hits] == [
        a["uuid"] for a in stored["Attribute"] if a["type"] == "ip-dst"
    ]

    _blind_correlation(producer, bank, index, event_id)
    _server_holds_no_plaintext(srv)
    _revocation(srv, admin, producer, bank, event_id)


def _blind_correlation(producer: Party, bank: Party, index: IndexKey, event_id: str) -> None:
    """Equal values under one index key correlate; a protected value without one never."""
    same = [{"type": "ip-dst", "value": SECRETS[0]}]
    again = producer.protected.protect_event(
        {"info": "again", "distribution": 3, "Attribute": same}, POLICY, index=index
    )
    alone = producer.protected.protect_event(
        {"info": "alone", "distribution": 3, "Attribute": same}, POLICY
    )
    related = {r["Event"]["id"] for r in bank.client.get_event(again["id"]).get("RelatedEvent", [])}
    assert event_id in related and alone["id"] not in related
    assert not bank.client.get_event(alone["id"]).get("RelatedEvent")


def _server_holds_no_plaintext(srv: LiveServer) -> None:
    with srv.platform.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        dump = " ".join(
            str(row) for name in tables for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(ip_index)).scalar_one() == 0
        flags = conn.execute(
            sa.select(attributes.c.envelope, attributes.c.disable_correlation).where(
                attributes.c.envelope.is_not(None)
            )
        ).all()
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(abe_index_keys)).scalar_one() == 1
        )
    _no_plaintext(dump)
    assert "x25519" not in dump.lower() and '"components"' not in dump  # no user key stored
    # Blind-indexed values correlate through their tag; none correlates on ciphertext.
    assert flags and all(disabled == ("blind_index" not in env) for env, disabled in flags)


def _revocation(
    srv: LiveServer, admin: ThreatmeshClient, producer: Party, bank: Party, event_id: str
) -> None:
    colleague = _party(srv, admin, {"name": "BANK"}, "b@bank.test")
    assert admin.abe_revoke(bank.user_id)["epoch"] == 2
    with pytest.raises(ClientError) as refused:
        bank.client.abe_issue_key("A" * 43 + "=")
    assert refused.value.status == 403
    producer.protected.protect_attributes(
        event_id, [{"type": "ip-dst", "value": "198.51.100.9"}], POLICY
    )
    revealed, sealed = bank.protected.reveal_event(event_id)
    assert sealed == 1  # the attribute protected after revocation
    assert SECRETS[0] in {a["value"] for a in revealed["Attribute"]}  # older data: old key
    theirs, sealed = colleague.protected.reveal_event(event_id)
    assert sealed == 0 and "198.51.100.9" in {a["value"] for a in theirs["Attribute"]}


def test_envelopes_are_checked_not_values(srv: LiveServer) -> None:
    admin = ThreatmeshClient(srv.url, srv.admin_key)
    anonymous = httpx.Client(base_url=srv.url)
    assert anonymous.get("/abe/public_key").status_code == 401
    bad = httpx.post(
        f"{srv.url}/abe/keys", headers={"Authorization": srv.admin_key}, json={"epoch": 1}
    )
    assert bad.status_code == 400
    assert bad.json()["message"] == "x25519_public_key: required (base64 of 32 bytes)"
    event = admin.add_event({"info": "checks"})
    good = admin.add_attributes(event["id"], [{"type": "ip-dst", "value": "203.0.113.1"}])[0]
    pk = ProtectedClient(admin, Keyring()).public_key()

    sealed = protect_attribute({"type": "ip-dst", "value": "203.0.113.2"}, POLICY, pk)
    broken = dict(sealed, Protected=dict(sealed["Protected"], nonce="AAAA"))
    with pytest.raises(ClientError) as refused:
        admin.add_attributes(event["id"], [broken])
    assert refused.value.status == 400 and "Attribute.Protected.nonce" in refused.value.message
    stored = admin.add_attributes(event["id"], [sealed])[0]
    assert stored["value"].startswith("protected:") and stored["disable_correlation"] is True
    assert good["value"] == "203.0.113.1"
    # Editing a protected attribute's clear fields keeps its envelope.
    edited = admin.request("POST", f"/attributes/edit/{stored['id']}", json={"comment": "seen"})
    assert edited["Attribute"]["comment"] == "seen"
    assert edited["Attribute"]["Protected"] == sealed["Protected"]
    plain = admin.request(
        "POST", f"/attributes/edit/{stored['id']}", json={"Protected": None, "value": "192.0.2.9"}
    )["Attribute"]
    assert plain["value"] == "192.0.2.9" and "Protected" not in plain
    # PyMISP sends a protected attribute as it sends any other (integers as strings).
    misp = PyMISP(srv.url, srv.admin_key, ssl=False)
    attr = MISPAttribute()
    attr.from_dict(**protect_attribute({"type": "domain", "value": "pymisp.example"}, POLICY, pk))
    added = misp.add_attribute(event["id"], attr, pythonify=True)
    misp._PyMISP__session.close()
    assert added.value == attr.value and envelope.parse(added.Protected) == envelope.parse(
        attr.to_dict()["Protected"]
    )
