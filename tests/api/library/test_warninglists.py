"""Warninglists over the API with PyMISP, as its live suite drives them (SQLite and
PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPEvent, MISPWarninglist, PyMISP
from tests.support import LiveServer

HASHES = "List of known hashes with common false-positives (based on Florian Roth input list)"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_warninglists_update_view_toggle_check(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    first = admin.update_warninglists()
    assert first["name"].startswith("Successfully updated "), first
    assert admin.update_warninglists()["name"] == "All warninglists are up to date already."
    listed = admin.warninglists(pythonify=True)
    hashes = next(w for w in listed if w.name == HASHES)
    got = admin.get_warninglist(hashes, pythonify=True)
    assert isinstance(got, MISPWarninglist) and got.name == HASHES
    assert "WarninglistEntry" in got
    assert admin.values_in_warninglist([EMPTY_MD5]) == []  # nothing enabled yet
    assert admin.enable_warninglist(hashes)["success"] == "1 warninglist(s) enabled"
    hits = admin.values_in_warninglist([EMPTY_MD5, "not-listed"])
    assert isinstance(hits, dict) and list(hits) == [EMPTY_MD5]
    assert hits[EMPTY_MD5][0]["name"] == HASHES
    assert admin.disable_warninglist(hashes)["success"] == "1 warninglist(s) disabled"
    by_name = admin.toggle_warninglist(warninglist_name=HASHES.upper())
    assert by_name["success"] == "1 warninglist(s) enabled"


def test_unknown_warninglist(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        assert http.get("/warninglists/view/424242").status_code == 404
        r = http.post("/warninglists/toggleEnable", json={"id": ["424242"]})
        assert r.status_code == 404 and r.json()["message"] == "Warninglist(s) not found."
        assert http.post("/warninglists/checkValue", json={"x": 1}).status_code == 400


def test_enforce_warninglist_on_event_search(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_warninglists()
    r = admin.toggle_warninglist(warninglist_name="%dns resolv%", force_enable=True)
    assert r == {"saved": True, "success": "3 warninglist(s) enabled"}
    event = MISPEvent()
    event.info = "resolvers"
    event.add_attribute("ip-src", "9.9.9.9")
    event.add_attribute("ip-src", "203.0.113.5")
    obj = event.add_object(name="domain-ip")
    obj.add_attribute("ip", "1.1.1.1")
    obj.add_attribute("domain", "resolver.example")
    event = admin.add_event(event, pythonify=True)
    plain = admin.search(eventid=event.id, pythonify=True)[0]
    assert len(plain.attributes) == 2 and len(plain.objects[0].attributes) == 2
    enforced = admin.search(eventid=event.id, enforce_warninglist=True, pythonify=True)[0]
    assert [a.value for a in enforced.attributes] == ["203.0.113.5"]
    assert [a.value for a in enforced.objects[0].attributes] == ["resolver.example"]
    r = admin.toggle_warninglist(warninglist_name="%dns resolv%")
    assert r == {"saved": True, "success": "3 warninglist(s) toggled"}


def test_enforce_warninglist_on_attribute_add(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_warninglists()
    admin.toggle_warninglist(warninglist_name="%dns resolv%", force_enable=True)
    event = MISPEvent()
    event.info = "enforced on add"
    event.add_attribute("text", "keep")
    event = admin.add_event(event, pythonify=True)
    refused = admin.add_attribute(
        event, {"type": "ip-src", "value": "8.8.8.8", "enforceWarninglist": True}
    )
    status, body = refused["errors"]
    assert status == 403 and body["message"] == "Could not add Attribute"
    assert body["errors"] == (
        "Attribute could not be saved as it trips over a warninglist and "
        "enforceWarninglist is enforced."
    )
    # Without the flag (MISP's default), the same value is saved.
    kept = admin.add_attribute(event, {"type": "ip-src", "value": "8.8.8.8"}, pythonify=True)
    assert kept.value == "8.8.8.8"
    # In a list, only the one that hits a list is refused, under its index.
    both = admin.add_attribute(
        event,
        [
            {"type": "ip-dst", "value": "9.9.9.9", "enforceWarninglist": True},
            {"type": "ip-dst", "value": "203.0.113.7", "enforceWarninglist": True},
        ],
    )
    assert [a["value"] for a in both["Attribute"]] == ["203.0.113.7"], both
    assert "trips over a warninglist" in both["errors"]["attribute_0"]
