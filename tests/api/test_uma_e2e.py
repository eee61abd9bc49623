"""UMA 2.0 end to end: three organisations, a live server, real httpx clients.

CERT-PROD produces an event and says who may read it; BANK-A (finance, BE) is granted,
SHOP-C (retail) is denied. RPTs that are expired, forged, tampered with or meant for
another audience are refused with 401, and tickets are single-use.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from pymisp import PyMISP
from tests.support import LiveServer
from tests.trust_support import Member, add_event, member

from threatmesh.client.uma import (
    GRANT_TYPE,
    UmaClient,
    UmaDenied,
    UmaNeedInfo,
    claim_token,
    parse_challenge,
)
from threatmesh.privacy.authz.tokens import Permission, TokenService, new_key
from threatmesh.storage.provenance.tables import provenance_records
from threatmesh.storage.uma.tables import uma_tickets


@pytest.fixture
def trio(server: LiveServer) -> Iterator[tuple[LiveServer, Member, Member, Member]]:
    server.platform.trust.issuer = server.url
    prod = member(server, "CERT-PROD", sector="government", nationality="LU")
    bank = member(server, "BANK-A", sector="finance", nationality="BE")
    shop = member(server, "SHOP-C", sector="retail", nationality="FR")
    yield server, prod, bank, shop
    for m in (prod, bank, shop):
        m.http.close()


def _policy(prod: Member, **body: object) -> dict[str, object]:
    r = prod.http.post("/uma/policies", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _ticket(url: str, path: str) -> str:
    r = httpx.get(url + path)
    assert r.status_code == 401, r.text
    challenge = parse_challenge(r.headers["www-authenticate"])
    assert challenge is not None, r.headers
    return challenge["ticket"]


def _token(who: Member, ticket: str, **extra: str) -> httpx.Response:
    return who.http.post("/uma/token", data={"grant_type": GRANT_TYPE, "ticket": ticket, **extra})


def test_granted_and_denied(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    event = add_event(prod, ["198.51.100.1", "198.51.100.2"])
    path = f"/uma/events/{event['uuid']}"
    _policy(prod, event=event["uuid"], scopes=["read"], sectors=["finance"], countries=["BE"])

    bare = httpx.get(server.url + path)
    assert bare.status_code == 401
    header = bare.headers["www-authenticate"]
    assert header.startswith('UMA realm="threatmesh", as_uri="' + server.url + '", ticket="')

    with UmaClient(server.url, bank.key) as client:
        got = client.get(path)
        assert got.status_code == 200, got.text
        assert {a["value"] for a in got.json()["Event"]["Attribute"]} == {
            "198.51.100.1",
            "198.51.100.2",
        }
        assert got.json()["Event"]["Orgc"]["name"] == "CERT-PROD"
        again = client.get(path)  # the cached RPT, no new grant
        assert again.status_code == 200
        assert again.request.headers["authorization"] == got.request.headers["authorization"]
    # Without UMA, BANK-A cannot see the organisation-only event at all.
    assert bank.http.get(f"/events/view/{event['uuid']}").status_code == 404

    with UmaClient(server.url, shop.key) as client, pytest.raises(UmaDenied):
        client.get(path)
    denied = _token(shop, _ticket(server.url, path))
    assert denied.status_code == 403 and denied.json()["error"] == "request_denied"
    # The producer itself is always granted.
    with UmaClient(server.url, prod.key) as client:
        assert client.get(path).status_code == 200


def test_bad_rpts_are_refused(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.3"])
    path = f"/uma/events/{event['uuid']}"
    _policy(prod, event=event["uuid"], scopes=["read"], orgs=["BANK-A"])
    granted = _token(bank, _ticket(server.url, path))
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    rpt = body["access_token"]
    assert (
        httpx.get(server.url + path, headers={"Authorization": f"Bearer {rpt}"}).status_code == 200
    )

    claims = json.loads(base64.urlsafe_b64decode(rpt.split(".")[1] + "=="))
    assert claims["aud"] == server.url + "/uma" and claims["iss"] == server.url
    assert [p["resource_scopes"] for p in claims["permissions"]] == [["read"]]
    perms = [Permission(claims["permissions"][0]["resource_id"], frozenset({"read"}))]
    now = claims["iat"]
    with server.platform.read() as conn:
        real = server.platform.trust.tokens(conn, now)
    forged, _ = TokenService(new_key(), real.issuer, real.audience).issue(
        subject=claims["sub"], permissions=perms, now=now, ttl=300
    )
    elsewhere, _ = TokenService(real.key, real.issuer, "https://other.example/uma").issue(
        subject=claims["sub"], permissions=perms, now=now, ttl=300
    )
    expired, _ = real.issue(subject=claims["sub"], permissions=perms, now=now - 1000, ttl=300)
    head, _payload, sig = rpt.split(".")
    widened = dict(claims, permissions=[dict(claims["permissions"][0], resource_scopes=["read",
                   "sighting:add"])])  # fmt: skip
    tampered = ".".join(
        [head, base64.urlsafe_b64encode(json.dumps(widened).encode()).decode().rstrip("="), sig]
    )
    for bad in (forged, elsewhere, expired, tampered, "not-a-jwt"):
        r = httpx.get(server.url + path, headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, (bad, r.text)
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        assert "Attribute" not in r.text

    # An RPT for another event does not open this one.
    other = add_event(prod, ["198.51.100.4"])
    r = httpx.get(
        f"{server.url}/uma/events/{other['uuid']}", headers={"Authorization": f"Bearer {rpt}"}
    )
    assert r.status_code == 401 and 'error="insufficient_scope"' in r.headers["www-authenticate"]


def test_tickets_are_single_use(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.5"])
    path = f"/uma/events/{event['uuid']}"
    _policy(prod, event=event["uuid"], scopes=["read"], orgs=[bank.org_uuid])
    ticket = _ticket(server.url, path)
    assert _token(bank, ticket).status_code == 200
    replay = _token(bank, ticket)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    unknown = _token(bank, "x" * 43)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    wrong_grant = bank.http.post("/uma/token", data={"grant_type": "password", "ticket": ticket})
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    # A ticket past its lifetime is refused too.
    late = _ticket(server.url, path)
    real_clock = server.platform.clock
    server.platform.clock = lambda: real_clock() + 301
    try:
        expired = _token(bank, late)
    finally:
        server.platform.clock = real_clock
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
    # Without an API key the token endpoint does not even look at the ticket.
    assert httpx.post(server.url + "/uma/token", data={"ticket": late}).status_code == 401


def test_challenges_write_no_tickets_and_one_redemption_wins(
    trio: tuple[LiveServer, Member, Member, Member],
) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.9"])
    path = f"/uma/events/{event['uuid']}"
    _policy(prod, event=event["uuid"], scopes=["read"], orgs=[bank.org_uuid])
    count = sa.select(sa.func.count()).select_from(uma_tickets)
    with server.platform.engine.connect() as conn:
        before = conn.execute(count).scalar_one()
    tickets = [_ticket(server.url, path) for _ in range(5)]
    with server.platform.engine.connect() as conn:
        assert conn.execute(count).scalar_one() == before  # signed tickets, not rows
    # The same ticket redeemed by several requests at once: exactly one RPT.
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: _token(bank, tickets[0]).status_code, range(4)))
    assert sorted(codes) == [200, 400, 400, 400]
    with server.platform.engine.connect() as conn:
        assert conn.execute(count).scalar_one() == before + 1  # the redeemed one


def test_need_info_then_pushed_claims(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.6"])
    path = f"/uma/events/{event['uuid']}"
    _policy(
        prod, event=event["uuid"], scopes=["read"], sectors=["finance"],
        claims={"purpose": "incident-response"},
    )  # fmt: skip
    ticket = _ticket(server.url, path)
    need = _token(bank, ticket)
    assert need.status_code == 403 and need.json()["error"] == "need_info"
    assert [c["name"] for c in need.json()["required_claims"]] == ["purpose"]
    fmt = need.json()["required_claims"][0]["claim_token_format"][0]
    wrong = _token(bank, ticket, claim_token=claim_token({"purpose": "marketing"}),
                   claim_token_format=fmt)  # fmt: skip
    assert wrong.json()["error"] == "request_denied"
    with UmaClient(server.url, bank.key) as client, pytest.raises(UmaNeedInfo) as info:
        client.get(path)
    assert info.value.required_claims == ["purpose"]
    with UmaClient(server.url, bank.key, claims={"purpose": "incident-response"}) as client:
        assert client.get(path).status_code == 200
    garbled = _token(bank, _ticket(server.url, path), claim_token="%%%", claim_token_format=fmt)
    assert garbled.status_code == 400 and garbled.json()["error"] == "invalid_request"


def test_collection_policies_and_trust(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    tagged = add_event(prod, ["198.51.100.7"], Tag=[{"name": "tlp:amber"}])
    _policy(prod, tag="tlp:amber", scopes=["read"], roles=["user"])
    with UmaClient(server.url, bank.key) as client:
        assert client.get(f"/uma/events/{tagged['uuid']}").status_code == 200

    trusted = add_event(prod, ["198.51.100.8"])
    _policy(prod, event=trusted["uuid"], scopes=["read"], min_trust=3)
    path = f"/uma/events/{trusted['uuid']}"
    with UmaClient(server.url, shop.key) as client, pytest.raises(UmaDenied):
        client.get(path)  # nobody has corroborated SHOP-C yet: level 2
    own = add_event(shop, ["203.0.113.77"], distribution=1)
    sighted = prod.http.post("/sightings/add", json={"value": "203.0.113.77", "source": "prod-ids"})
    assert sighted.status_code == 200, sighted.text
    rep = shop.http.get(f"/reputation/organisations/{shop.org_uuid}").json()["Reputation"]
    assert rep["level"] == 3 and rep["evidence"] == 1 and rep["score"] > 0.5
    with UmaClient(server.url, shop.key) as client:
        assert client.get(path).status_code == 200
    # PyMISP reads the reputation carried on the creator organisation.
    misp = PyMISP(server.url, shop.key, ssl=False)
    event = misp.get_event(own["id"], pythonify=True)
    assert event.Orgc.reputation["level"] == 3


def test_policy_management_errors(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.9"])
    bad = prod.http.post("/uma/policies", json={"event": event["uuid"], "scopes": ["write"]})
    assert bad.status_code == 400 and "scopes" in bad.json()["message"]
    bad = prod.http.post("/uma/policies", json={"event": event["uuid"], "scopes": ["read"],
                                                "min_trust": 9})  # fmt: skip
    assert bad.status_code == 400 and "min_trust" in bad.json()["message"]
    # Another organisation's event answers as one that does not exist.
    answers = []
    for ref in (event["uuid"], str(uuid.uuid4())):
        r = bank.http.post("/uma/policies", json={"event": ref, "scopes": ["read"]})
        answers.append((r.status_code, r.json()["message"].replace(ref, "<uuid>")))
    assert answers[0] == answers[1] and answers[0][0] == 404
    made = _policy(prod, event=event["uuid"], scopes=["read"], orgs=["BANK-A"])
    assert [p["uuid"] for p in prod.http.get("/uma/policies").json()] == [made["uuid"]]
    assert bank.http.get("/uma/policies").json() == []
    assert bank.http.delete(f"/uma/policies/{made['uuid']}").status_code == 404
    assert prod.http.delete(f"/uma/policies/{made['uuid']}").status_code == 204
    with UmaClient(server.url, bank.key) as client, pytest.raises(UmaDenied):
        client.get(f"/uma/events/{event['uuid']}")
    assert httpx.get(server.url + "/uma/events/not-a-uuid").status_code == 400


def test_discovery_and_grant_provenance(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    config = httpx.get(server.url + "/.well-known/uma2-configuration").json()
    assert config["issuer"] == server.url
    assert config["token_endpoint"] == server.url + "/uma/token"
    assert GRANT_TYPE in config["grant_types_supported"]
    keys = httpx.get(config["jwks_uri"]).json()["keys"]
    assert [(k["kty"], k["crv"], k["alg"]) for k in keys] == [("EC", "P-256", "ES256")]

    event = add_event(prod, ["198.51.100.10"])
    _policy(prod, event=event["uuid"], scopes=["read"], orgs=["BANK-A"])
    with UmaClient(server.url, bank.key) as client:
        assert client.get(f"/uma/events/{event['uuid']}").status_code == 200
    history = prod.http.get(f"/provenance/events/{event['uuid']}").json()
    assert history["verified"] and history["matches_latest_version"]
    kinds = [r["kind"] for r in history["records"]]
    assert kinds == ["event-version", "uma-grant"]
    grant = history["records"][1]["payload"]
    assert grant["party_org_uuid"] == bank.org_uuid and grant["scopes"] == ["read"]

    # A tampered grant record (the grantee rewritten) is detected and named.
    grant_seq = history["records"][1]["seq"]
    with server.platform.engine.begin() as conn:
        t = provenance_records
        row = conn.execute(sa.select(t.c.payload).where(t.c.seq == grant_seq)).scalar_one()
        forged = row.replace(bank.org_uuid, shop.org_uuid)
        conn.execute(t.update().where(t.c.seq == grant_seq).values(payload=forged))
    tampered = prod.http.get(f"/provenance/events/{event['uuid']}").json()
    assert not tampered["verified"]
    assert tampered["records"][1]["problems"][0]["problem"] == "altered"
    report = prod.http.get("/provenance/verify").json()
    assert not report["ok"]
    assert [(p["seq"], p["kind"], p["problem"]) for p in report["problems"]] == [
        (grant_seq, "uma-grant", "altered")
    ]

    resources = prod.http.get("/uma/resources").json()
    assert [(r["type"], r["ref"]) for r in resources] == [("event", event["uuid"])]
    ticket = prod.http.post(
        "/uma/permission",
        json={"resource_id": resources[0]["_id"], "resource_scopes": ["read"]},
    )
    assert ticket.status_code == 201
    assert _token(bank, ticket.json()["ticket"]).status_code == 200
    assert (
        bank.http.post(
            "/uma/permission",
            json={"resource_id": resources[0]["_id"], "resource_scopes": ["read"]},
        ).status_code
        == 404
    )


def test_sightings_through_uma(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    event = add_event(prod, ["198.51.100.11"])
    attribute = event["Attribute"][0]["uuid"]
    _policy(prod, event=event["uuid"], scopes=["read", "sighting:add"], sectors=["finance"])
    _policy(prod, event=event["uuid"], scopes=["read"], sectors=["retail"])
    path = f"/uma/events/{event['uuid']}/sightings"
    with UmaClient(server.url, bank.key) as client:
        r = client.post(path, json={"attribute_uuid": attribute, "source": "bank-ids"})
        assert r.status_code == 200, r.text
        assert r.json()["Sighting"]["org_id"] == str(bank.org_id)
        bad = client.post(path, json={"attribute_uuid": "nope"})
        assert bad.status_code == 400 and "attribute_uuid" in bad.json()["message"]
    with UmaClient(server.url, shop.key) as client, pytest.raises(UmaDenied):
        client.post(path, json={"attribute_uuid": attribute, "type": 1})
    rep = prod.http.get(f"/reputation/organisations/{prod.org_id}").json()["Reputation"]
    assert rep["evidence"] == 1 and rep["level"] == 3
    kinds = [
        r["kind"] for r in prod.http.get(f"/provenance/events/{event['uuid']}").json()["records"]
    ]
    assert kinds == ["event-version", "uma-grant", "sighting"]


def test_an_rpt_can_be_upgraded(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    first, second = add_event(prod, ["198.51.100.12"]), add_event(prod, ["198.51.100.13"])
    for e in (first, second):
        _policy(prod, event=e["uuid"], scopes=["read"], orgs=["BANK-A"])
    paths = [f"/uma/events/{e['uuid']}" for e in (first, second)]
    one = _token(bank, _ticket(server.url, paths[0])).json()
    assert one["upgraded"] is False
    both = _token(bank, _ticket(server.url, paths[1]), rpt=one["access_token"]).json()
    assert both["upgraded"] is True
    for path in paths:
        r = httpx.get(
            server.url + path, headers={"Authorization": f"Bearer {both['access_token']}"}
        )
        assert r.status_code == 200, r.text
    # Someone else's RPT is not merged into yours.
    _policy(prod, event=first["uuid"], scopes=["read"], orgs=["SHOP-C"])
    theirs = _token(shop, _ticket(server.url, paths[0]), rpt=both["access_token"]).json()
    assert theirs["upgraded"] is False


def test_sharing_group_collection(trio: tuple[LiveServer, Member, Member, Member]) -> None:
    server, prod, bank, shop = trio
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as admin:
        made = admin.post("/sharing_groups/add", json={"SharingGroup": {"name": "PROD-PARTNERS"}})
        assert made.status_code == 200, made.text
        group = made.json()["SharingGroup"]
        added = admin.post("/sharingGroups/addOrg", json={"sg_id": group["id"],
                                                           "org_id": prod.org_id})  # fmt: skip
        assert added.status_code == 200, added.text
    event = add_event(prod, ["198.51.100.14"], distribution=4, sharing_group_id=group["id"])
    _policy(prod, sharing_group=group["uuid"], scopes=["read"], sectors=["retail"])
    path = f"/uma/events/{event['uuid']}"
    with UmaClient(server.url, shop.key) as client:
        assert client.get(path).status_code == 200
    with UmaClient(server.url, bank.key) as client, pytest.raises(UmaDenied):
        client.get(path)
    # Another event of the producer outside the group is not covered.
    outside = add_event(prod, ["198.51.100.15"])
    with UmaClient(server.url, shop.key) as client, pytest.raises(UmaDenied):
        client.get(f"/uma/events/{outside['uuid']}")


def test_history_shows_grants_to_the_producer_only(
    trio: tuple[LiveServer, Member, Member, Member],
) -> None:
    server, prod, bank, _shop = trio
    event = add_event(prod, ["198.51.100.16"], distribution=1)
    _policy(prod, event=event["uuid"], scopes=["read"], orgs=["BANK-A"])
    with UmaClient(server.url, bank.key) as client:
        assert client.get(f"/uma/events/{event['uuid']}").status_code == 200
    assert bank.http.post("/sightings/add", json={"value": "198.51.100.16"}).status_code == 200
    mine = prod.http.get(f"/provenance/events/{event['uuid']}").json()
    assert [r["kind"] for r in mine["records"]] == ["event-version", "uma-grant", "sighting"]
    theirs = bank.http.get(f"/provenance/events/{event['uuid']}").json()
    assert [r["kind"] for r in theirs["records"]] == ["event-version"]
    assert theirs["verified"] and theirs["matches_latest_version"]
