"""``attributes/index`` with PyMISP (``attributes()``) on a live server: the live
attributes the caller may see, newest events first, paged as MISP pages it."""

from __future__ import annotations

from pymisp import MISPEvent, MISPOrganisation, MISPUser, PyMISP
from tests.support import LiveServer


def _org_user(admin: PyMISP, name: str) -> PyMISP:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", created.id, 3
    added = admin.add_user(user)
    return PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _event(client: PyMISP, distribution: int, values: list[str]) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "index test", distribution
    for value in values:
        event.add_attribute("ip-dst", value)
    added = client.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_attributes_index(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    owner, other = _org_user(admin, "OWNER"), _org_user(admin, "OTHER")
    assert owner.attributes() == []
    private = _event(owner, 0, ["192.0.2.1", "192.0.2.2"])
    shared = _event(owner, 1, ["192.0.2.3", "192.0.2.4"])
    owner.delete_attribute(shared.attributes[1].id)  # soft-deleted: not listed
    listed = owner.attributes(pythonify=True)
    # Newest event first, then by id; bare attributes (no Event, no Tag).
    assert [a.value for a in listed] == ["192.0.2.3", "192.0.2.1", "192.0.2.2"]
    assert [a.value for a in other.attributes(pythonify=True)] == ["192.0.2.3"]
    assert len(admin.attributes()) == 3
    assert "Event" not in owner.attributes()[0]
    # MISP's paging and value filter (named parameters).
    page = owner._check_json_response(
        owner._prepare_request("GET", "attributes/index/limit:2/page:2")
    )
    assert [a["value"] for a in page] == ["192.0.2.2"]
    found = owner._check_json_response(
        owner._prepare_request("GET", "attributes/index/searchvalue:192.0.2.1")
    )
    assert [a["uuid"] for a in found] == [private.attributes[0].uuid]
    bad = owner._check_json_response(owner._prepare_request("GET", "attributes/index/limit:0"))
    assert bad["errors"][0] == 400
