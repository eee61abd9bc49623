"""Sightings as PyMISP's live suite drives them: a list added at once,
``sightings/restSearch`` with ``includeAttribute``/``includeEvent``, the list of an
event or attribute narrowed to an organisation, ``sightings/index/{event}`` and
``sightings/delete``."""

from __future__ import annotations

import time
import uuid

from pymisp import MISPEvent, MISPOrganisation, MISPSighting, MISPUser, PyMISP
from tests.support import LiveServer


def _user(admin: PyMISP) -> tuple[MISPOrganisation, PyMISP]:
    org = MISPOrganisation()
    org.name = "SIGHTERS"
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = "u@sighters.test", created.id, 3
    added = admin.add_user(user)
    return created, PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _event(client: PyMISP) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "sightings", 1
    event.add_attribute("domain", f"{uuid.uuid4().hex}.example")
    added = client.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_sightings(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    org, user = _user(admin)
    first, second = _event(user), _event(user)
    since = int(time.time()) - 1
    r = user.add_sighting({"value": first.attributes[0].value}, pythonify=True)
    assert int(r.attribute_id) == first.attributes[0].id
    s = MISPSighting()
    s.value, s.source, s.type = second.attributes[0].value, "Testcases", "1"
    assert user.add_sighting(s, second.attributes[0], pythonify=True).source == "Testcases"
    found = user.search_sightings(
        publish_timestamp=since, include_attribute=True, include_event_meta=True, pythonify=True
    )
    assert [(f["event"].id, f["attribute"].id) for f in found] == [
        (first.id, first.attributes[0].id),
        (second.id, second.attributes[0].id),
    ]
    only = user.search_sightings(publish_timestamp=since, type_sighting="1", pythonify=True)
    assert [f["sighting"].attribute_id for f in only] == [str(second.attributes[0].id)]
    in_event = user.search_sightings(context="event", context_id=first.id, pythonify=True)
    assert [f["sighting"].event_id for f in in_event] == [str(first.id)]
    listed = user.sightings(first, pythonify=True)
    assert [int(x.attribute_id) for x in listed] == [first.attributes[0].id]
    admin.add_sighting(listed, second.attributes[0])  # a list of sightings
    assert len(user.sightings(second.attributes[0], pythonify=True)) == 2
    mine = user.sightings(second.attributes[0], org, pythonify=True)
    assert [x.org_id for x in mine] == [str(org.id)]
    index = user._check_json_response(user._prepare_request("GET", f"sightings/index/{second.id}"))
    assert len(index) == 2
    # PyMISP's sightings() without an entity: every sighting the caller sees
    everything = user.sightings(pythonify=True)
    assert [int(x.attribute_id) for x in everything] == [
        first.attributes[0].id,
        second.attributes[0].id,
        second.attributes[0].id,
    ]
    assert [x.org_id for x in user.sightings(org=org, pythonify=True)] == [str(org.id)] * 2
    assert user.delete_sighting(mine[0])["message"] == "Sighting successfully deleted."
    assert user.delete_sighting(mine[0])["errors"][0] == 404
    theirs = user.sightings(second.attributes[0], pythonify=True)
    assert user.delete_sighting(theirs[0])["errors"][0] == 404  # the admin's organisation's
