"""The UMA client on a live server: the dance, the RPT cache and its expiry."""

from __future__ import annotations

from tests.support import LiveServer
from tests.trust_support import add_event, member

from threatmesh.client.uma import UmaClient, parse_challenge


def test_parse_challenge() -> None:
    header = 'UMA realm="threatmesh", as_uri="https://as.example", ticket="t-1"'
    assert parse_challenge(header) == {
        "realm": "threatmesh",
        "as_uri": "https://as.example",
        "ticket": "t-1",
    }
    assert parse_challenge('Bearer realm="x"') is None
    assert parse_challenge('UMA realm="x"') is None  # no ticket: nothing to do


def test_rpt_is_cached_until_it_expires(sqlite_server: LiveServer) -> None:
    server = sqlite_server
    server.platform.trust.issuer = server.url
    prod = member(server, "PROD", sector="government")
    bank = member(server, "BANK", sector="finance")
    event = add_event(prod, ["192.0.2.50"])
    r = prod.http.post(
        "/uma/policies", json={"event": event["uuid"], "scopes": ["read"], "sectors": ["finance"]}
    )
    assert r.status_code == 201, r.text
    now = [1_000_000.0]
    path = f"/uma/events/{event['uuid']}"
    with UmaClient(server.url, bank.key, clock=lambda: now[0]) as client:
        first = client.get(path)
        second = client.get(path)
        now[0] += 296  # within the 5-second margin of the 300-second lifetime
        third = client.get(path)
    assert [x.status_code for x in (first, second, third)] == [200, 200, 200]
    tokens = [x.request.headers["authorization"] for x in (first, second, third)]
    assert tokens[0] == tokens[1] != tokens[2]
    # Each RPT needed one grant, and the provenance log shows both.
    history = prod.http.get(f"/provenance/events/{event['uuid']}").json()
    assert [rec["kind"] for rec in history["records"]].count("uma-grant") == 2
    for m in (prod, bank):
        m.http.close()
