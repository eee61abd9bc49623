"""Event and organisation blocklists (``eventBlocklists/*``, ``orgBlocklists/*``) with
PyMISP, and the refusals they cause on ``events/add`` and on a sync push."""

from __future__ import annotations

import uuid

import httpx
from pymisp import MISPEvent, MISPEventBlocklist, MISPOrganisation, MISPUser, PyMISP
from tests.support import LiveServer


def _client(srv: LiveServer, key: str) -> PyMISP:
    return PyMISP(srv.url, key, ssl=False, timeout=60)


def _org_user(admin: PyMISP, name: str, role_id: int) -> tuple[MISPOrganisation, str]:
    new = MISPOrganisation()
    new.name, new.uuid = name, str(uuid.uuid4())
    org = admin.add_organisation(new, pythonify=True)
    assert isinstance(org, MISPOrganisation), org
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", org.id, role_id
    added = admin.add_user(user)
    assert isinstance(added, dict) and "User" in added, added
    return org, str(added["User"]["authkey"])


def _event() -> MISPEvent:
    event = MISPEvent()
    event.info = "blocklist test"
    event.add_attribute("domain", f"{uuid.uuid4().hex}.example")
    return event


def test_event_blocklist_crud_and_refusal(server: LiveServer) -> None:
    admin = _client(server, server.admin_key)
    _org, key = _org_user(admin, "BLOCKED-ORG", role_id=3)
    user = _client(server, key)
    first = _event()
    added = admin.add_event_blocklist(uuids=[first.uuid, "not-a-uuid"], comment="spam")
    assert added["result"] == {"successes": [first.uuid], "fails": ["not-a-uuid"]}, added
    again = admin.add_event_blocklist(uuids=[first.uuid])
    assert again["result"]["fails"] == [first.uuid]  # already blocked
    listed = admin.event_blocklists(pythonify=True)
    entry = next(e for e in listed if e.event_uuid == first.uuid)
    assert entry.comment == "spam" and len(entry.created) == 19
    refused = user.add_event(first)
    assert refused["errors"][0] == 403
    assert refused["errors"][1]["message"] == "Event blocked by event blocklist."
    entry.comment, entry.event_info = "updated", "foo"
    updated = admin.update_event_blocklist(entry, pythonify=True)
    assert isinstance(updated, MISPEventBlocklist), updated
    assert (updated.comment, updated.event_info) == ("updated", "foo")
    # A user outside the host organisation may not manage the list.
    assert user.event_blocklists()["errors"][0] == 403
    assert admin.delete_event_blocklist(entry)["success"]
    assert admin.delete_event_blocklist(entry)["errors"][0] == 404
    assert "Event" in user.add_event(first)  # the UUID may come in again


def test_org_blocklist_blocks_creator(server: LiveServer) -> None:
    admin = _client(server, server.admin_key)
    org, key = _org_user(admin, "BLOCKED-ORGC", role_id=3)
    user = _client(server, key)
    added = admin.add_organisation_blocklist(uuids=org.uuid, org_name="x")
    assert added["result"]["successes"] == [org.uuid]
    refused = user.add_event(_event())
    assert refused["errors"][1]["message"] == "Event blocked by organisation blocklist."
    entry = next(b for b in admin.organisation_blocklists(pythonify=True) if b.org_uuid == org.uuid)
    entry.org_name = "bar"
    assert admin.update_organisation_blocklist(entry, pythonify=True).org_name == "bar"
    assert user.organisation_blocklists()["errors"][0] == 403  # site admins only
    assert admin.delete_organisation_blocklist(entry)["success"]
    assert "Event" in user.add_event(_event())


def test_sync_push_of_blocked_event_is_refused(server: LiveServer) -> None:
    admin = _client(server, server.admin_key)
    remote, sync_key = _org_user(admin, "REMOTE", role_id=5)
    event_uuid = str(uuid.uuid4())
    admin.add_event_blocklist(uuids=[event_uuid])
    body = {
        "Event": {
            "uuid": event_uuid,
            "info": "pushed",
            "distribution": 3,
            "published": True,
            "timestamp": "1700000000",
            "Orgc": {"uuid": remote.uuid, "name": remote.name},
            "Attribute": [{"type": "domain", "value": "pushed.example"}],
        }
    }
    with httpx.Client(base_url=server.url, headers={"Authorization": sync_key}) as http:
        r = http.post("/events/add/metadata:1", json=body)
        assert r.status_code == 403, r.text
        assert r.json()["message"] == "Event blocked by event blocklist."
        assert http.get(f"/events/view/{event_uuid}").status_code == 404
