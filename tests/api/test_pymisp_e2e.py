"""PyMISP, unchanged, drives the real server on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

from pymisp import (
    MISPEvent,
    MISPObject,
    MISPOrganisation,
    MISPSighting,
    MISPTag,
    MISPUser,
    PyMISP,
)
from tests.support import LiveServer

SHARED_IP = "198.51.100.7"


def _client(url: str, key: str) -> PyMISP:
    return PyMISP(url, key, ssl=False, timeout=60)


def _make_org_user(admin: PyMISP, name: str, role_id: int = 3) -> tuple[MISPOrganisation, str]:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    assert isinstance(created, MISPOrganisation), created
    user = MISPUser()
    user.email = f"analyst@{name.lower()}.test"
    user.org_id = created.id
    user.role_id = role_id
    added = admin.add_user(user)
    assert isinstance(added, dict) and "User" in added, added
    key = added["User"]["authkey"]
    assert len(key) == 40
    return created, key


def _big_event() -> MISPEvent:
    event = MISPEvent()
    event.info = "Phishing campaign with C2 infrastructure"
    event.distribution = 1
    event.threat_level_id = 2
    event.analysis = 1
    event.add_tag("tlp:amber")
    event.add_attribute("ip-dst", SHARED_IP, comment="C2")
    for i in range(44):
        event.add_attribute("domain", f"c2-{i}.evil.example")
    event.add_attribute("url", "https://evil.example/login.php")
    event.add_attribute("email-src", "ceo@evil.example")
    event.add_attribute("sha256", "e" * 64, to_ids=True)
    event.add_attribute("ip-dst|port", "203.0.113.9|8443")
    tagged = event.add_attribute("md5", "d" * 32)
    tagged.add_tag("kill-chain:Delivery")
    file_obj = MISPObject("file")
    file_obj.add_attribute("filename", "invoice.pdf.exe")
    file_obj.add_attribute("sha256", "f" * 64)
    event.add_object(file_obj)
    domain_ip = MISPObject("domain-ip")
    domain_ip.add_attribute("domain", "mail.evil.example")
    domain_ip.add_attribute("ip", "203.0.113.10")
    event.add_object(domain_ip)
    return event


def test_pymisp_full_lifecycle(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    org, analyst_key = _make_org_user(admin, "CERT-BANK", role_id=4)  # publisher
    analyst = _client(server.url, analyst_key)

    created = analyst.add_event(_big_event(), pythonify=True)
    assert isinstance(created, MISPEvent), created
    assert len(created.attributes) == 50
    assert len(created.objects) == 2
    assert {t.name for t in created.tags} == {"tlp:amber"}
    assert created.Orgc.name == "CERT-BANK"
    assert created.attribute_count == 54 or int(created.attribute_count) == 54

    # Another event sharing one value: correlation shows up on both sides.
    other = MISPEvent()
    other.info = "Scan from the same host"
    other.distribution = 1
    other.add_attribute("ip-src", SHARED_IP)
    other = admin.add_event(other, pythonify=True)
    assert isinstance(other, MISPEvent)
    view = analyst.get_event(created.id, pythonify=True)
    assert isinstance(view, MISPEvent)
    assert [int(r["Event"]["id"]) for r in view.RelatedEvent] == [int(other.id)]
    assert analyst.event_exists(created.id)
    assert not analyst.event_exists(999999)

    # Searches: by value, by type, by tag expression, by time window.
    by_value = analyst.search(controller="attributes", value=SHARED_IP, include_correlations=True)
    assert isinstance(by_value, dict)
    assert sorted(a["event_id"] for a in by_value["Attribute"]) == sorted(
        [str(created.id), str(other.id)]
    )
    related = next(a for a in by_value["Attribute"] if a["event_id"] == str(created.id))[
        "RelatedAttribute"
    ]
    assert [r["event_id"] for r in related] == [str(other.id)]
    wildcard = analyst.search(controller="attributes", value="c2-1%")
    assert len(wildcard["Attribute"]) == 11  # c2-1 and c2-10 .. c2-19
    # As MISP's generic_add_filter: a % inside a term (not first or last) is no wildcard.
    inside = analyst.search(controller="attributes", value="c2-1%.evil.example")
    assert inside["Attribute"] == []
    by_type = analyst.search(controller="attributes", type_attribute="sha256")
    assert {a["value"] for a in by_type["Attribute"]} == {"e" * 64, "f" * 64}
    tag_query = analyst.build_complex_query(
        or_parameters=["tlp:amber"], not_parameters=["kill-chain:Delivery"]
    )
    tagged = analyst.search(controller="attributes", tags=tag_query, type_attribute="md5")
    assert tagged["Attribute"] == []  # the only md5 carries the excluded tag
    md5 = analyst.search(controller="attributes", type_attribute="md5")["Attribute"]
    assert [[t["name"] for t in a["Tag"]] for a in md5] == [["kill-chain:Delivery"]]
    two_pages = analyst.search(controller="attributes", type_attribute="domain", limit=2)
    assert [a["Tag"] for a in two_pages["Attribute"]] == [[], []]
    events_found = analyst.search(controller="events", tags=["tlp:amber"], pythonify=True)
    assert [e.id for e in events_found] == [created.id]
    now = int(time.time())
    recent = analyst.search(controller="attributes", timestamp=now - 3600, value="ceo@evil.example")
    assert len(recent["Attribute"]) == 1
    future = analyst.search(controller="attributes", timestamp=now + 3600, value="ceo@evil.example")
    assert future["Attribute"] == []
    today = time.strftime("%Y-%m-%d", time.gmtime())
    dated = analyst.search(controller="events", date_from=today, date_to=today, pythonify=True)
    assert {e.id for e in dated} == {created.id, other.id}
    paged = analyst.search(controller="attributes", type_attribute="domain", limit=10, page=2)
    assert len(paged["Attribute"]) == 10

    # Sightings.
    sighting = MISPSighting()
    sighting.value = SHARED_IP
    sighting.source = "honeypot-1"
    added = analyst.add_sighting(sighting)
    assert "errors" not in added, added
    attr_id = next(a.id for a in view.attributes if a.value == SHARED_IP)
    listed = analyst.sightings(analyst.get_attribute(attr_id, pythonify=True))
    assert [s["Sighting"]["source"] for s in listed] == ["honeypot-1"]
    with_sightings = analyst.search(
        controller="attributes", value=SHARED_IP, include_sightings=True
    )
    mine = next(a for a in with_sightings["Attribute"] if a["event_id"] == str(created.id))
    assert len(mine["Sighting"]) == 1
    found = analyst.search_sightings(context="attribute", context_id=attr_id, source="honeypot-1")
    assert [x["Sighting"]["attribute_id"] for x in found] == [str(attr_id)]
    assert analyst.search_sightings(context="event", context_id=created.id, type_sighting="1") == []
    assert len(analyst.search_sightings(date_from=now - 60)) == 2  # one per matching attribute

    # Tags: attach and remove on an attribute.
    target = next(a for a in view.attributes if a.type == "url")
    assert "errors" not in analyst.tag(target, 'workflow:state="draft"')
    tagged_now = analyst.search(controller="attributes", tags=['workflow:state="draft"'])
    assert [a["uuid"] for a in tagged_now["Attribute"]] == [target.uuid]
    assert "errors" not in analyst.untag(target, 'workflow:state="draft"')
    assert (
        analyst.search(controller="attributes", tags=['workflow:state="draft"'])["Attribute"] == []
    )

    # Edit, publish, delete.
    view.info = "Phishing campaign (confirmed)"
    view.add_attribute("hostname", "relay.evil.example")
    edited = analyst.update_event(view, pythonify=True)
    assert isinstance(edited, MISPEvent), edited
    assert edited.info == "Phishing campaign (confirmed)"
    assert len(edited.attributes) == 51
    published = analyst.publish(edited)
    assert "errors" not in published, published
    assert analyst.get_event(created.id, pythonify=True).published is True
    gone = analyst.delete_attribute(next(a.id for a in edited.attributes if a.type == "hostname"))
    assert gone == {"message": "Attribute deleted."}
    deleted = analyst.delete_event(created.id)
    assert deleted["message"] == "Event deleted."
    assert not analyst.event_exists(created.id)
    assert org.id


def test_admin_listings(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    _make_org_user(admin, "CSIRT-EU")
    names = {o.name for o in admin.organisations(pythonify=True)}
    assert {"ADMIN-ORG", "CSIRT-EU"} <= names
    roles = {r.name for r in admin.roles(pythonify=True)}
    assert roles == {"admin", "Org Admin", "User", "Publisher", "Sync user", "Read Only"}
    assert len(admin.users(pythonify=True)) == 2
    assert admin.describe_types_remote["types"]
    event = MISPEvent()
    event.info = "bulk producer"
    event.add_attribute("domain", "meta.example")
    meta = admin.add_event(event, metadata=True)
    assert "Attribute" not in meta["Event"] and meta["Event"]["attribute_count"] == "1"
    assert len(admin.get_event(meta["Event"]["id"], pythonify=True).attributes) == 1
    tag = MISPTag()
    tag.name = 'circl:incident-classification="phishing"'
    tag.colour = "#ff0000"
    created = admin.add_tag(tag, pythonify=True)
    assert isinstance(created, MISPTag) and created.colour == "#ff0000"
    assert tag.name in {t.name for t in admin.tags(pythonify=True)}
