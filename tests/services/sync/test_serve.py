"""What a remote sync user pulling from us receives: the policies of the connections
that name its organisation (all of them), else its organisation's, else the default;
and an event that cannot be released is left out, never a broken answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.support import LiveServer

ENVELOPE: dict[str, Any] = {
    "v": 1,
    "scheme": "fame-bls12-381",
    "epoch": 2,
    "policy": "org:CERT",
    "abe": "VE1GMQ==",
    "nonce": "AAAAAAAAAAAAAAAA",
    "body": "A" * 24,
}
IP, MAIL, HOST = "198.51.100.23", "soc@bank.example", "vpn.bank.example"


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json()


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as c:
        yield c


@pytest.fixture
def remote(admin: httpx.Client) -> Iterator[tuple[httpx.Client, str]]:
    """A remote instance's sync user (in its own organisation): its client, its org id."""
    body = {"name": "ORG-R", "uuid": str(uuid.uuid4())}
    org_id = _ok(admin.post("/admin/organisations/add", json=body))["Organisation"]["id"]
    body = {"email": "sync@r.test", "org_id": org_id, "role_id": 5}
    key = _ok(admin.post("/admin/users/add", json=body))["User"]["authkey"]
    with httpx.Client(base_url=str(admin.base_url), headers={"Authorization": key}) as sync:
        yield sync, org_id


def _policy(admin: httpx.Client, name: str, *rules: dict[str, Any]) -> None:
    _ok(admin.post("/anonymizer/policies", json={"name": name, "rules": list(rules)}))


def _bind(admin: httpx.Client, kind: str, ident: str, name: str) -> None:
    _ok(admin.post("/anonymizer/bindings", json={"kind": kind, "ident": ident, "policy": name}))


def _event(admin: httpx.Client, *extra: dict[str, Any]) -> dict[str, Any]:
    attrs = [
        {"type": "ip-src", "value": IP},
        {"type": "email-dst", "value": MAIL},
        {"type": "hostname", "value": HOST},
        *extra,
    ]
    body = {"info": "served", "distribution": 3, "published": True, "Attribute": attrs}
    return dict(_ok(admin.post("/events/add", json=body))["Event"])


def _types(event: dict[str, Any]) -> dict[str, str]:
    return {a["type"]: a["value"] for a in event["Attribute"]}


def _pulled(sync: httpx.Client, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event as the sync user gets it, by events/view and by events/restSearch."""
    one = _ok(sync.get(f"/events/view/{event['uuid']}"))["Event"]
    many = _ok(sync.post("/events/restSearch", json={"eventid": [event["id"]], "published": 1}))
    return [one, *(e["Event"] for e in many["response"])]


CRYPTOPAN = {"match": {"kinds": ["ip"]}, "technique": "cryptopan"}
NO_MAIL = {"match": {"kinds": ["email"]}, "technique": "suppress"}
NO_HOST = {"match": {"kinds": ["hostname"]}, "technique": "suppress"}


def test_a_sync_user_nothing_names_gets_the_default_policy(
    admin: httpx.Client, remote: tuple[httpx.Client, str]
) -> None:
    sync, _ = remote
    _policy(admin, "default-policy", CRYPTOPAN)
    _bind(admin, "default", "*", "default-policy")
    ev = _event(admin)
    for got in _pulled(sync, ev):
        assert _types(got)["ip-src"] != IP and _types(got)["email-dst"] == MAIL


def test_every_connection_naming_the_sync_users_organisation_applies(
    admin: httpx.Client, remote: tuple[httpx.Client, str]
) -> None:
    sync, org_id = remote
    _policy(admin, "default-policy", CRYPTOPAN)
    _bind(admin, "default", "*", "default-policy")
    # Two connections to instances of the remote organisation: which one pulls cannot
    # be told, so both connections' policies apply (and the default no longer does).
    ids = []
    for n in (1, 2):
        body = {"name": f"R{n}", "url": f"https://r{n}.example", "authkey": "k" * 40,
                "remote_org_id": org_id}  # fmt: skip
        ids.append(_ok(admin.post("/servers/add", json=body))["Server"]["id"])
    _policy(admin, "no-mail", NO_MAIL)
    _policy(admin, "no-host", NO_HOST)
    _bind(admin, "server", ids[0], "no-mail")
    _bind(admin, "server", ids[1], "no-host")
    ev = _event(admin)
    for got in _pulled(sync, ev):
        assert _types(got) == {"ip-src": IP}


def test_an_event_that_cannot_be_released_is_left_out_and_recorded(
    admin: httpx.Client, remote: tuple[httpx.Client, str]
) -> None:
    sync, _ = remote
    ports = {
        "match": {"kinds": ["port"]},
        "technique": "generalise_port",
        "params": {"style": "label"},
    }
    _policy(admin, "labels", ports, CRYPTOPAN)
    _bind(admin, "default", "*", "labels")
    good = [_event(admin) for _ in range(2)]
    bad = _event(admin, {"type": "ip-dst|port", "value": "203.0.113.9|443"})
    sealed = _event(admin, {"type": "ip-dst", "Protected": ENVELOPE})
    ids = [e["id"] for e in (good[0], bad, sealed, good[1])]
    r = sync.post("/events/restSearch", json={"eventid": ids, "published": 1})
    assert r.status_code == 200
    served = [e["Event"]["uuid"] for e in orjson.loads(r.content)["response"]]
    assert sorted(served) == sorted(e["uuid"] for e in (*good, sealed))
    view = sync.get(f"/events/view/{bad['uuid']}")
    assert view.status_code == 403 and "recorded on this instance" in view.json()["message"]
    recorded = [f["SyncFailure"] for f in _ok(admin.get("/servers/syncFailures"))]
    assert [(f["direction"], f["event_uuid"]) for f in recorded] == [("serve", bad["uuid"])]
    assert "rules[0]" in recorded[0]["reason"] and recorded[0]["attempts"] == 2
    # Only site admins see them.
    assert sync.get("/servers/syncFailures").status_code == 403
