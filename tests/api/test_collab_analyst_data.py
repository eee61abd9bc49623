"""Analyst data (``analyst_data/*``) with PyMISP: notes and opinions, notes embedded in
``events/add``, and MISP's access rules (a hidden note answers as an absent one)."""

from __future__ import annotations

import uuid

from pymisp import MISPEvent, MISPNote, MISPOrganisation, MISPSharingGroup, MISPUser, PyMISP
from tests.support import LiveServer


def _org_user(admin: PyMISP, name: str) -> tuple[MISPOrganisation, PyMISP]:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", created.id, 3
    added = admin.add_user(user)
    return created, PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _event(distribution: int) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "notes", distribution
    event.add_attribute("domain", f"{uuid.uuid4().hex}.example")
    return event


def test_notes_and_opinions(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    _, user = _org_user(admin, "ANALYSTS")
    note = MISPNote()
    note.object_type, note.object_uuid, note.note = "Event", str(uuid.uuid4()), "Fake note"
    note = user.add_note(note, pythonify=True)
    assert isinstance(note, MISPNote), note
    note.note = "Updated Note"
    note = user.update_note(note, pythonify=True)
    assert note.note == "Updated Note"
    opinion = note.add_opinion(42, "Test Opinion")
    user.update_note(note)
    fetched = user.get_note(note, pythonify=True)
    assert [(o.opinion, o.comment) for o in fetched.opinions] == [(42, "Test Opinion")]
    deleted = user.delete_note(fetched)
    assert deleted["success"] and deleted["message"] == "Note deleted."
    assert user.get_opinion(opinion, pythonify=True).opinion == 42  # the opinion stays
    event = _event(1)
    embedded = event.add_note(note="Test Note", language="en")
    embedded.distribution = 1
    added = user.add_event(event, pythonify=True)
    assert [n.note for n in added.notes] == ["Test Note"]
    view = user.get_event(added.id, pythonify=True)
    assert [(n.object_uuid, n.object_type) for n in view.notes] == [(added.uuid, "Event")]


def test_note_access(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    org, user = _org_user(admin, "READERS")
    event = _event(2)
    note = event.add_note(note="Org only", language="en")
    note.distribution = 0
    event = admin.add_event(event, pythonify=True)
    assert len(admin.get_event(event.id, pythonify=True).notes) == 1
    assert user.get_note(note)["errors"][0] == 404
    hidden = user.get_analyst_data(note.uuid)
    absent = user.get_analyst_data(str(uuid.uuid4()))
    assert hidden["errors"][0] == absent["errors"][0] == 404
    assert hidden["errors"][1]["message"] == absent["errors"][1]["message"]
    assert user.get_event(event.id, pythonify=True).notes == []
    group = MISPSharingGroup()
    group.name, group.releasability = "Notes SG", "Testing"
    sg = admin.add_sharing_group(group, pythonify=True)
    stored = admin.get_note(note, pythonify=True)
    stored.distribution, stored.sharing_group_id = 4, sg.id
    stored = admin.update_note(stored, pythonify=True)
    assert int(stored.sharing_group_id) == int(sg.id)
    assert user.get_event(event.id, pythonify=True).notes == []
    admin.add_org_to_sharing_group(sg, org)
    assert len(user.get_event(event.id, pythonify=True).notes) == 1
    stored.note = "taken over"
    assert user.update_note(stored)["errors"][0] == 403
    assert user.delete_note(stored)["errors"][0] == 403
    other = MISPOrganisation()
    other.name = "Fake Org"
    fake = admin.add_organisation(other, pythonify=True)
    child = stored.add_note("Test Note 2")
    child.orgc_uuid = fake.uuid
    child = user.add_note(child, pythonify=True)
    assert child.orgc_uuid == org.uuid  # a user creates as its own organisation
