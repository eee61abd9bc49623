"""Event delegation (``eventDelegations/*``) on the live server (SQLite and PostgreSQL)
with PyMISP: an organisation asks another to take an event over; the recipient accepts
(the event becomes its own in one step) or either side discards; MISP's refusals; only
the two organisations see a request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pymisp import MISPEvent, MISPEventDelegation, MISPOrganisation, MISPUser, PyMISP
from tests.support import LiveServer

from threatmesh.model.errors import ACL_REFUSAL

NOT_AUTHORISED = "You are not authorised to do that."


@dataclass
class Orgs:
    admin: PyMISP
    a: MISPOrganisation
    b: MISPOrganisation
    c: MISPOrganisation

    def user(self, org: MISPOrganisation, role_id: int, email: str) -> PyMISP:
        user = MISPUser()
        user.email, user.org_id, user.role_id = email, org.id, role_id
        added = self.admin.add_user(user, pythonify=True)
        assert isinstance(added, MISPUser), added
        return PyMISP(self.admin.root_url, added.authkey, ssl=False, timeout=60)


def _org(admin: PyMISP, name: str) -> MISPOrganisation:
    org = MISPOrganisation()
    org.name = name
    added = admin.add_organisation(org, pythonify=True)
    assert isinstance(added, MISPOrganisation), added
    return added


@pytest.fixture
def orgs(server: LiveServer) -> Iterator[Orgs]:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    assert admin.set_server_setting("MISP.delegation", True, force=True)["saved"] is True
    yield Orgs(admin, _org(admin, "Org A"), _org(admin, "Org B"), _org(admin, "Org C"))


def _event(misp: PyMISP, info: str = "to delegate", distribution: int = 0) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = info, distribution
    event.add_attribute("ip-dst", "198.51.100.7")
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _message(answer: object) -> str:
    assert isinstance(answer, dict) and "errors" in answer, answer
    return str(answer["errors"][1]["message"])


def test_accepted_delegation_hands_the_event_over(orgs: Orgs) -> None:
    requester = orgs.user(orgs.a, 4, "pub@a.test")
    recipient = orgs.user(orgs.b, 3, "user@b.test")
    event = _event(requester)
    assert "errors" in recipient.get_event(event.uuid)  # distribution 0: B cannot see it
    d = requester.delegate_event(event, orgs.b, distribution=1, message="yours now",
                                 pythonify=True)  # fmt: skip
    assert isinstance(d, MISPEventDelegation), d
    assert (d.org_id, d.requester_org_id, d.event_id) == (orgs.b.id, orgs.a.id, str(event.id))
    assert (d.distribution, d.message, d.sharing_group_id) == ("1", "yours now", "0")
    pending = recipient.event_delegations(pythonify=True)
    assert [p.id for p in pending] == [d.id]
    listed = recipient.event_delegations()[0]["EventDelegation"]
    assert listed["Event"]["info"] == "to delegate"
    assert (listed["Org"]["name"], listed["RequesterOrg"]["name"]) == ("Org B", "Org A")
    # The requester may not accept its own request.
    assert _message(requester.accept_event_delegation(d.id)) == NOT_AUTHORISED
    answer = recipient.accept_event_delegation(d)
    assert answer["message"] == "Event ownership transferred.", answer
    got = recipient.get_event(event.uuid, pythonify=True)
    assert isinstance(got, MISPEvent), got
    assert (got.org.name, got.Orgc.name, got.distribution) == ("Org B", "Org B", 1)
    assert got.id == event.id and len(got.attributes) == 1
    assert recipient.event_delegations() == []
    # Org A is no longer the owner: it may not delete the event.
    assert "errors" in requester.delete_event(event.uuid)
    assert recipient.delete_event(event.uuid)["message"] == "Event deleted."


def test_recipient_decides_keeps_the_distribution(orgs: Orgs) -> None:
    requester = orgs.user(orgs.a, 4, "pub@a.test")
    recipient = orgs.user(orgs.b, 2, "oa@b.test")
    event = _event(requester)
    d = requester.delegate_event(event, orgs.b, pythonify=True)  # distribution -1
    assert d.distribution == "-1"
    listed = recipient.event_delegations()[0]["EventDelegation"]
    assert "distribution" not in listed and "sharing_group_id" not in listed  # as MISP
    recipient.accept_event_delegation(d.id)
    got = recipient.get_event(event.id, pythonify=True)
    assert got.distribution == 0 and got.org.name == "Org B"


def test_either_side_discards_and_nothing_changes(orgs: Orgs) -> None:
    requester = orgs.user(orgs.a, 4, "pub@a.test")
    recipient = orgs.user(orgs.b, 3, "user@b.test")
    for discarder in (requester, recipient):
        event = _event(requester, info=f"discard {id(discarder)}")
        d = requester.delegate_event(event, orgs.b, pythonify=True)
        answer = discarder.discard_event_delegation(d.id)
        assert answer["message"] == "Delegation request deleted.", answer
        assert recipient.event_delegations() == []
        assert _message(recipient.accept_event_delegation(d.id)) == NOT_AUTHORISED
        kept = requester.get_event(event.id, pythonify=True)
        assert kept.org.name == "Org A" and kept.distribution == 0


def test_refusals(orgs: Orgs) -> None:
    publisher = orgs.user(orgs.a, 4, "pub@a.test")
    plain = orgs.user(orgs.a, 3, "user@a.test")  # the User role lacks perm_delegate
    outsider = orgs.user(orgs.b, 4, "pub@b.test")
    event = _event(publisher)
    assert _message(plain.delegate_event(event, orgs.b)) == ACL_REFUSAL
    # Only "your organisation only" events (unpublished events are not private here).
    shared = _event(publisher, info="community", distribution=1)
    refused = publisher.delegate_event(shared, orgs.b)
    assert _message(refused).startswith("Only events with the distribution setting")
    # Another organisation's event, visible or not, answers alike.
    assert _message(outsider.delegate_event(shared, orgs.c)) == NOT_AUTHORISED
    assert _message(outsider.delegate_event(event, orgs.c)) == NOT_AUTHORISED
    assert _message(outsider.delegate_event("999999", orgs.c)) == NOT_AUTHORISED
    # Bad input is a 4xx with MISP's shape; nothing is created.
    for bad in (
        {"org_id": "999999"},
        {"org_id": orgs.a.id},
        {"org_id": orgs.b.id, "distribution": 9},
    ):
        answer = publisher.direct_call(f"eventDelegations/delegateEvent/{event.id}", bad)
        assert "errors" in answer and 400 <= answer["errors"][0] < 500, answer
    d = publisher.delegate_event(event, orgs.b, pythonify=True)
    again = publisher.delegate_event(event, orgs.c)
    assert _message(again).startswith("This event already has a pending delegation request")
    # Delegation off: MISP's ACL refusal, for everyone but site admins.
    orgs.admin.set_server_setting("MISP.delegation", False, force=True)
    assert _message(outsider.event_delegations()) == ACL_REFUSAL
    assert _message(publisher.discard_event_delegation(d.id)) == ACL_REFUSAL
    orgs.admin.set_server_setting("MISP.delegation", True, force=True)
    assert publisher.discard_event_delegation(d.id)["message"] == "Delegation request deleted."


def test_only_the_two_organisations_see_a_request(orgs: Orgs) -> None:
    requester = orgs.user(orgs.a, 4, "pub@a.test")
    recipient = orgs.user(orgs.b, 3, "user@b.test")
    third = orgs.user(orgs.c, 2, "oa@c.test")
    event = _event(requester)
    d = requester.delegate_event(event, orgs.b, pythonify=True)
    assert third.event_delegations() == []
    assert third.direct_call("eventDelegations/index", {"context": "issued"}) == []
    issued = requester.direct_call("eventDelegations/index", {"context": "issued"})
    assert [i["EventDelegation"]["id"] for i in issued] == [d.id]
    assert requester.event_delegations() == []  # none received
    # The third organisation gets the answer of a request that does not exist.
    for path in (f"eventDelegations/view/{d.id}", "eventDelegations/view/999999"):
        assert _message(third.direct_call(path)) == NOT_AUTHORISED
    for call in (third.accept_event_delegation, third.discard_event_delegation):
        assert _message(call(d.id)) == _message(call("999999")) == NOT_AUTHORISED
    seen = recipient.direct_call(f"eventDelegations/view/{d.id}")
    assert seen["EventDelegation"]["event_id"] == str(event.id)
    bad = recipient.direct_call("eventDelegations/index", {"context": "other"})
    assert bad["errors"][0] == 400
    assert requester.discard_event_delegation(d.id)["message"] == "Delegation request deleted."


def test_a_deleted_event_takes_its_request_along(orgs: Orgs) -> None:
    requester = orgs.user(orgs.a, 4, "pub@a.test")
    recipient = orgs.user(orgs.b, 3, "user@b.test")
    event = _event(requester)
    requester.delegate_event(event, orgs.b)
    assert requester.delete_event(event.id)["message"] == "Event deleted."
    assert recipient.event_delegations() == []
