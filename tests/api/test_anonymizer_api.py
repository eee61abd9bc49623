"""The anonymizer over HTTP on a live server: policies, bindings, the outbound hook
(export), correlation of anonymized events on a second instance, errors, budgets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pymisp import MISPEvent, MISPObject, PyMISP
from tests.support import LiveServer, live_server

from threatmesh.services.anonymizer import egress
from threatmesh.storage.anonymizer import store as anonymizer_store

POLICIES = Path(__file__).resolve().parents[2] / "docs" / "policies"
VICTIM_IP, VICTIM_MAIL, C2 = "198.51.100.23", "soc@bank.example", "203.0.113.80"


def _policy(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((POLICIES / f"{name}.yaml").read_text())
    return doc


def _http(srv: LiveServer, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": key or srv.admin_key, "Accept": "application/json"}
    return httpx.Client(base_url=srv.url, headers=headers, timeout=60)


def _event(misp: PyMISP, info: str, host: str) -> str:
    event = MISPEvent()
    event.info = info
    event.distribution = 1
    event.add_attribute("ip-src", VICTIM_IP, comment=f"victim {VICTIM_IP} mailed {VICTIM_MAIL}")
    event.add_attribute("email-dst", VICTIM_MAIL)
    event.add_attribute("ip-dst", C2)
    event.add_attribute("hostname", host)
    event.add_attribute("sha256", "a" * 64)
    obj = MISPObject("victim")
    obj.add_attribute("name", "Bank of Examples")
    obj.add_attribute("sectors", "finance")
    obj.add_attribute("regions", "Europe")
    obj.add_attribute("user", "j.doe")
    event.add_object(obj)
    created = misp.add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent), created
    return str(created.id)


def _values(event: dict[str, Any], type_: str) -> list[str]:
    return [a["value"] for a in event["Attribute"] if a["type"] == type_]


def _export(http: httpx.Client, ref: str, recipient: dict[str, str]) -> httpx.Response:
    return http.post(f"/anonymizer/export/{ref}", json={"recipient": recipient})


def _manage_policies(http: httpx.Client, srv: LiveServer) -> None:
    made = http.post("/anonymizer/policies", json=_policy("strict"))
    assert made.status_code == 200, made.text
    assert made.json()["Policy"]["name"] == "strict"
    assert (
        http.post(
            "/anonymizer/policies", json={"document": (POLICIES / "partner.yaml").read_text()}
        ).status_code
        == 200
    )
    with srv.platform.read() as conn:
        row = anonymizer_store.find_policy(conn, "strict", with_secret=True)
    assert row is not None
    listed = http.get("/anonymizer/policies").text
    for secret in (bytes(row["secret"]).hex(), "secret"):
        assert secret not in listed and secret not in made.text
    assert [p["Policy"]["name"] for p in http.get("/anonymizer/policies").json()] == [
        "partner",
        "strict",
    ]
    again = http.post("/anonymizer/policies", json=_policy("strict"))
    assert again.status_code == 409, again.text
    edited = http.put(
        "/anonymizer/policies/strict", json={**_policy("strict"), "description": "edited"}
    )
    assert edited.json()["Policy"]["document"]["description"] == "edited"
    with srv.platform.read() as conn:
        kept = anonymizer_store.find_policy(conn, "strict", with_secret=True)
    assert kept is not None and kept["secret"] == row["secret"]  # same keys, same pseudonyms
    bad = http.put("/anonymizer/policies/strict", json={"name": "strict", "rules": [{}]})
    assert bad.status_code == 400 and "rules[0]: technique: Field required" in bad.text
    scratch = http.post("/anonymizer/policies", json={"name": "scratch"}).json()["Policy"]
    assert http.delete(f"/anonymizer/policies/{scratch['uuid']}").is_success
    assert http.get("/anonymizer/policies/scratch").status_code == 404


def test_outbound_export_and_correlation_on_a_second_instance(
    server: LiveServer, tmp_path: Path
) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    first = _event(misp, "Intrusion at the bank", "vpn.bank.example")
    second = _event(misp, "Second wave", "mail.bank.example")
    with _http(server) as http:
        _export_everywhere(http, server, misp, first, second, tmp_path)


def _export_everywhere(
    http: httpx.Client, server: LiveServer, misp: PyMISP, first: str, second: str, tmp_path: Path
) -> None:
    _manage_policies(http, server)
    bound = http.post(
        "/anonymizer/bindings", json={"kind": "server", "ident": "1", "policy": "strict"}
    )
    assert bound.status_code == 200, bound.text
    to_one = {"kind": "server", "ident": "1"}
    out1, out2 = (_export(http, ref, to_one).json()["Event"] for ref in (first, second))
    for out in (out1, out2):
        text = str(out)
        assert VICTIM_IP not in text and VICTIM_MAIL not in text and "bank.example" not in text
    # Same policy, same pseudonyms: the two events still share their values.
    assert _values(out1, "ip-src") == _values(out2, "ip-src") != [VICTIM_IP]
    assert _values(out1, "email-dst") == _values(out2, "email-dst")
    # The hook itself, as sync calls it, gives what the export endpoint gave.
    raw = http.get(f"/events/view/{first}").json()["Event"]
    with server.platform.write() as conn:
        direct = egress.outbound(server.platform, conn, raw, egress.Recipient("server", "1"))
    assert direct is not raw and _values(raw, "ip-src") == [VICTIM_IP]
    assert [a["value"] for a in direct["Attribute"]] == [a["value"] for a in out1["Attribute"]]
    # No binding, no default: the event leaves as it is.
    plain = _export(http, first, {"kind": "server", "ident": "2"}).json()["Event"]
    assert _values(plain, "ip-src") == [VICTIM_IP]
    assert http.post(
        "/anonymizer/bindings", json={"kind": "default", "policy": "strict"}
    ).is_success
    by_default = _export(http, first, {"kind": "server", "ident": "2"}).json()["Event"]
    assert _values(by_default, "ip-src") == _values(out1, "ip-src")
    assert http.delete("/anonymizer/bindings/default/*").is_success
    kinds = {(b["kind"], b["policy_name"]) for b in http.get("/anonymizer/bindings").json()}
    assert kinds == {("server", "strict")}
    # The organisation's binding applies when the recipient itself has none.
    org_uuid = misp.get_user("me", pythonify=True).org_id  # type: ignore[union-attr]
    org = http.get(f"/organisations/view/{org_uuid}").json()["Organisation"]["uuid"]
    http.post(
        "/anonymizer/bindings", json={"kind": "organisation", "ident": org, "policy": "partner"}
    )
    via_org = _export(http, first, {"kind": "server", "ident": "9", "org_uuid": org}).json()
    assert _values(via_org["Event"], "ip-src") == [VICTIM_IP]  # partner keeps public IPs
    assert "j.doe" not in str(via_org)
    # Both anonymized events, loaded on another instance, correlate there.
    with live_server(f"sqlite:///{tmp_path / 'b.db'}", tmp_path) as other, _http(other) as b:
        for out in (out1, out2):
            added = b.post("/events/add", json={"Event": out})
            assert added.status_code == 200, added.text
        seen = b.get(f"/events/view/{out1['uuid']}").json()["Event"]
        related = {r["Event"]["uuid"] for r in seen.get("RelatedEvent", [])}
        assert related == {out2["uuid"]}


def test_preview_inline_policies_errors_and_budgets(server: LiveServer) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    ref = _event(misp, "Preview me", "vpn.bank.example")
    with _http(server) as http:
        _preview_and_errors(http, ref)
        _budgets(http, ref)
        user = http.post(
            "/admin/users/add", json={"email": "u@admin.test", "org_id": "1", "role_id": "3"}
        ).json()["User"]["authkey"]
    with _http(server, user) as plain:
        refused = plain.post("/anonymizer/policies", json={"name": "x", "rules": []})
        assert refused.status_code == 403, refused.text
        assert (
            plain.post(
                "/anonymizer/export/1", json={"recipient": {"kind": "server", "ident": "1"}}
            ).status_code
            == 403
        )
        mine = plain.post(
            "/anonymizer/anonymize",
            json={
                "event_id": ref,
                "policy": {
                    "name": "x",
                    "rules": [{"match": {"kinds": ["ip"]}, "technique": "suppress"}],
                },
            },
        )
        assert mine.status_code == 200 and not _values(mine.json()["Event"], "ip-src")


def _preview_and_errors(http: httpx.Client, ref: str) -> None:
    assert "rules" in http.get("/anonymizer/schema").json()["properties"]
    names = {t["name"] for t in http.get("/anonymizer/techniques").json()}
    assert {"cryptopan", "pseudonymise", "redact", "kanonymity", "noise"} <= names
    inline = {
        "name": "inline",
        "rules": [{"name": "ips", "match": {"kinds": ["ip"]}, "technique": "cryptopan"}],
    }
    seen = http.post("/anonymizer/preview", json={"event_id": ref, "policy": inline}).json()
    assert {d["rule"] for d in seen["diff"]} == {"rules[0] 'ips'"}
    assert {d["before"] for d in seen["diff"]} == {VICTIM_IP, C2}
    assert seen["report"]["rules"] == {"rules[0] 'ips'": {"changed": 2, "suppressed": 0}}
    assert _values(seen["before"]["Event"], "ip-src") == [VICTIM_IP]
    body = {"event": seen["before"], "policy": inline}
    assert _values(http.post("/anonymizer/anonymize", json=body).json()["Event"], "ip-src") != [
        VICTIM_IP
    ]
    errors = {
        "unknown technique 'rot13'": {**inline, "rules": [{"name": "x", "technique": "rot13"}]},
        "rules[0] 'x': match.types: technique 'cryptopan' does not apply to attribute type "
        "'sha256'": {
            **inline,
            "rules": [{"name": "x", "match": {"types": ["sha256"]}, "technique": "cryptopan"}],
        },
        "rules[0] 'all': technique 'cryptopan' cannot transform Event.Attribute[1].value": {
            **inline,
            "rules": [{"name": "all", "technique": "cryptopan"}],
        },
        "rules[0]: params.unit: Input should be 'minute', 'hour' or 'day'": {
            **inline,
            "rules": [{"technique": "generalise_time", "params": {"unit": "week"}}],
        },
    }
    for message, policy in errors.items():
        got = http.post("/anonymizer/anonymize", json={"event_id": ref, "policy": policy})
        assert got.status_code == 400 and message in got.json()["message"], got.text


def _budgets(http: httpx.Client, ref: str) -> None:
    counted = {
        "name": "counted",
        "default_budget": 1.0,
        "rules": [
            {
                "match": {"paths": ["Event.attribute_count"]},
                "technique": "noise",
                "params": {"epsilon": 0.4},
            }
        ],
    }
    assert http.post("/anonymizer/policies", json=counted).status_code == 200
    http.post("/anonymizer/bindings", json={"kind": "feed", "ident": "daily", "policy": "counted"})
    feed = {"kind": "feed", "ident": "daily"}
    assert [_export(http, ref, feed).status_code for _ in range(2)] == [200, 200]
    refused = _export(http, ref, feed)
    assert refused.status_code == 403, refused.text
    assert "privacy budget of feed daily is exhausted" in refused.json()["message"]
    budget = http.get("/anonymizer/budgets/feed/daily").json()
    assert budget["epsilon_spent"] == 0.8 and budget["epsilon_total"] == 1.0
    http.post("/anonymizer/budgets", json={**feed, "epsilon": 2.0})
    assert _export(http, ref, feed).status_code == 200
    stats = {"recipient": {"kind": "taxii_collection", "ident": "c1"}, "epsilon": 0.3}
    first = http.post(f"/anonymizer/statistics/{ref}", json=stats)
    assert first.status_code == 200, first.text
    assert set(first.json()["statistics"]) == {
        "attributes_by_category",
        "attributes_by_type",
        "sightings",
    }
    assert first.json()["epsilon_spent"] == pytest.approx(0.9)
    spent = http.post(f"/anonymizer/statistics/{ref}", json=stats)  # default budget: 1.0
    assert spent.status_code == 403 and "taxii_collection c1" in spent.json()["message"]


def test_export_of_a_protected_attribute_follows_the_policys_rule(server: LiveServer) -> None:
    """Issue 14: a protected value under a bound policy answered 500."""
    envelope = {
        "v": 1,
        "scheme": "fame-bls12-381",
        "epoch": 2,
        "policy": "org:CERT",
        "abe": "VE1GMQ==",
        "nonce": "AAAAAAAAAAAAAAAA",
        "body": "A" * 24,
    }
    body = {
        "info": "sealed",
        "Attribute": [
            {"type": "ip-src", "value": VICTIM_IP},
            {"type": "ip-dst", "Protected": envelope, "comment": f"near {VICTIM_IP}"},
        ],
    }
    with _http(server) as http:
        ref = http.post("/events/add", json=body).json()["Event"]["id"]
        assert http.post("/anonymizer/policies", json=_policy("strict")).status_code == 200
        http.post("/anonymizer/bindings", json={"kind": "server", "ident": "7", "policy": "strict"})
        to_server = {"kind": "server", "ident": "7"}
        got = _export(http, ref, to_server)
        assert got.status_code == 200, got.text
        assert _values(got.json()["Event"], "ip-dst") == []  # suppressed: the default rule
        assert _values(got.json()["Event"], "ip-src") != [VICTIM_IP]
        passing = {**_policy("strict"), "protected_values": "pass"}
        assert http.put("/anonymizer/policies/strict", json=passing).status_code == 200
        (sealed,) = [a for a in _export(http, ref, to_server).json()["Event"]["Attribute"]
                     if a["type"] == "ip-dst"]  # fmt: skip
        assert sealed["value"].startswith("protected:") and sealed["Protected"]["body"] == "A" * 24
        assert VICTIM_IP not in sealed["comment"]


def test_a_stored_policy_that_no_longer_validates_fails_the_event_by_name(
    server: LiveServer,
) -> None:
    with _http(server) as http:
        ref = http.post("/events/add", json={"info": "x", "Attribute": [
            {"type": "ip-src", "value": VICTIM_IP}]}).json()["Event"]["id"]  # fmt: skip
        assert http.post("/anonymizer/policies", json=_policy("strict")).status_code == 200
        http.post("/anonymizer/bindings", json={"kind": "default", "policy": "strict"})
        # As if the plugin providing a technique had been uninstalled since.
        gone = {"name": "strict", "rules": [{"name": "x", "technique": "gone_plugin"}]}
        with server.platform.write() as conn:
            row = anonymizer_store.find_policy(conn, "strict")
            assert row is not None
            anonymizer_store.update_policy(conn, row["id"], document=json.dumps(gone))
        got = _export(http, ref, {"kind": "feed", "ident": "daily"})
        assert got.status_code == 400, got.text
        assert got.json()["message"].startswith(
            "stored policy 'strict' does not validate: rules[0] 'x': technique: unknown "
            "technique 'gone_plugin'"
        )
