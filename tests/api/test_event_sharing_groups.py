"""The ``SharingGroup`` of an event, object and attribute with distribution 4 in event
views (events/view, events/add and events/edit answers, events/restSearch), driven by
PyMISP on the live server: shown to who may read the group, kept from who may not."""

from __future__ import annotations

from pymisp import MISPAttribute, MISPEvent, MISPOrganisation, MISPSharingGroup, MISPUser, PyMISP
from tests.support import LiveServer


def _org_user(admin: PyMISP, name: str) -> tuple[MISPOrganisation, PyMISP]:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", created.id, 3
    added = admin.add_user(user)
    return created, PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _group(admin: PyMISP, name: str) -> MISPSharingGroup:
    group = MISPSharingGroup()
    group.name, group.releasability, group.description = name, "Testing", f"{name} text"
    sg = admin.add_sharing_group(group, pythonify=True)
    assert isinstance(sg, MISPSharingGroup), sg
    return sg


def _sg_event(sg: MISPSharingGroup) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution, event.sharing_group_id = "SG event", 4, sg.id
    event.add_attribute("ip-dst", "192.0.2.1", distribution=4, sharing_group_id=sg.id)
    event.add_attribute("ip-dst", "192.0.2.2", distribution=5)
    obj = event.add_object(name="file", distribution=4, sharing_group_id=sg.id)
    obj.add_attribute("filename", value="a.exe")
    return event


def test_views_carry_the_sharing_group(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    org, user = _org_user(admin, "READERS")
    sg = _group(admin, "Readers SG")
    admin.add_org_to_sharing_group(sg, org)
    added = admin.add_event(_sg_event(sg), pythonify=True)
    assert isinstance(added, MISPEvent), added
    found = admin.search(eventid=added.id, pythonify=True)
    assert isinstance(found[0], MISPEvent), found
    for event in (
        added,
        admin.get_event(added.id, pythonify=True),
        found[0],
        user.get_event(added.id, pythonify=True),
    ):
        assert event.SharingGroup.name == "Readers SG"
        assert event.SharingGroup.uuid == sg.uuid
        assert [m.org_id for m in event.SharingGroup.sgorgs] == [org.id]
        assert event.attributes[0].SharingGroup.description == "Readers SG text"
        assert "SharingGroup" not in event.attributes[1]  # distribution 5: none
        assert event.objects[0].SharingGroup.releasability == "Testing"
    raw = admin.get_event(added.id)["Event"]["SharingGroup"]
    assert raw["id"] == str(sg.id) and raw["organisation_uuid"] == raw["Organisation"]["uuid"]
    assert raw["SharingGroupServer"] == [
        {"sharing_group_id": str(sg.id), "server_id": "0", "all_orgs": False}
    ]

    # PyMISP's change_sharing_group_on_entity: the events/edit answer names the new group.
    other = _group(admin, "Other SG")
    moved = admin.change_sharing_group_on_entity(added, other.id, pythonify=True)
    assert moved.SharingGroup.name == "Other SG"
    assert moved.attributes[0].SharingGroup.name == "Readers SG"


def test_a_group_the_viewer_may_not_read_stays_hidden(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    _, user = _org_user(admin, "OWNERS")
    secret = _group(admin, "Secret SG")  # the user's organisation is no member
    event = MISPEvent()
    event.info, event.distribution = "owned", 0
    owned = user.add_event(event, pythonify=True)
    assert isinstance(owned, MISPEvent), owned
    attribute = MISPAttribute()
    attribute.type, attribute.value = "ip-dst", "192.0.2.3"
    attribute.distribution, attribute.sharing_group_id = 4, secret.id
    assert "errors" not in admin.add_attribute(owned.id, attribute)

    # The owner sees the attribute, and only the id of a group it may not read.
    seen = user.get_event(owned.id)["Event"]["Attribute"][0]
    assert seen["sharing_group_id"] == str(secret.id)
    assert "SharingGroup" not in seen
    searched = user.search(eventid=owned.id)[0]["Event"]["Attribute"][0]
    assert "SharingGroup" not in searched
    assert admin.get_event(owned.id)["Event"]["Attribute"][0]["SharingGroup"]["name"] == "Secret SG"
