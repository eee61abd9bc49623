"""Attribute proposals (``shadowAttributes/*``) with PyMISP on a live server (SQLite and
PostgreSQL): each operation, who sees a proposal, who may accept or discard it, and
the refusals (hidden is absent; seeing is not accepting)."""

from __future__ import annotations

import uuid
from typing import Any

from pymisp import (
    MISPAttribute,
    MISPEvent,
    MISPOrganisation,
    MISPShadowAttribute,
    MISPUser,
    PyMISP,
)
from tests.support import LiveServer

from threatmesh.model.roles import READ_ONLY_ROLE_ID, USER_ROLE_ID


def _org_user(admin: PyMISP, name: str, role_id: int = USER_ROLE_ID) -> PyMISP:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", created.id, role_id
    added = admin.add_user(user)
    return PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _event(client: PyMISP, distribution: int) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "proposal test", distribution
    event.add_attribute("domain", f"{uuid.uuid4().hex}.example", comment="as created")
    added = client.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _world(server: LiveServer) -> tuple[PyMISP, PyMISP, PyMISP, PyMISP]:
    """The site admin; OWNER (whose event it is), PROPOSER and OTHER (who see it)."""
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    return admin, _org_user(admin, "OWNER"), _org_user(admin, "PROPOSER"), _org_user(admin, "OTHER")


def _errors(answer: Any) -> tuple[int, str]:
    assert "errors" in answer, answer
    status, body = answer["errors"]
    return status, body["message"]


def _view(client: PyMISP, event: MISPEvent) -> dict[str, Any]:
    return client.get_event(event.id)["Event"]


def test_new_attribute_proposed_then_accepted(server: LiveServer) -> None:
    admin, owner, proposer, other = _world(server)
    event = _event(owner, 1)
    attribute = MISPAttribute()
    attribute.from_dict(type="ip-dst", value="203.0.113.7", comment="seen here")
    # Not the proposer's event: PyMISP's add_attribute falls back on a proposal.
    proposal = proposer.add_attribute(event.id, attribute, pythonify=True)
    assert isinstance(proposal, MISPShadowAttribute), proposal
    assert (proposal.value, proposal.category, proposal.old_id) == (
        "203.0.113.7", "Network activity", "0",
    )  # fmt: skip
    # Nothing changed in the event; the owner and the proposer see the proposal in it.
    seen = _view(owner, event)
    assert [a["value"] for a in seen["Attribute"]] == [event.attributes[0].value]
    assert [p["id"] for p in seen["ShadowAttribute"]] == [proposal.id]
    assert seen["ShadowAttribute"][0]["Org"]["name"] == "PROPOSER"
    assert [p["id"] for p in _view(proposer, event)["ShadowAttribute"]] == [proposal.id]
    # Another organisation sees the event, not the proposal.
    assert _view(other, event)["ShadowAttribute"] == []
    assert other.attribute_proposals() == []
    assert [p.id for p in admin.attribute_proposals(event, pythonify=True)] == [proposal.id]
    # The proposer may not accept it; the owner does.
    assert _errors(proposer.accept_attribute_proposal(proposal)) == (
        403, "Proposal not found or you are not authorised to accept it.",
    )  # fmt: skip
    accepted = owner.accept_attribute_proposal(proposal)
    assert accepted["message"] == "Proposal accepted.", accepted
    after = owner.get_event(event.id, pythonify=True)
    added = after.attributes[-1]
    assert (added.value, added.uuid, added.comment, added.distribution) == (
        "203.0.113.7", proposal.uuid, "seen here", 5,
    )  # fmt: skip
    assert after.shadow_attributes == []
    assert owner.attribute_proposals() == []
    assert _errors(owner.get_attribute_proposal(proposal))[0] == 404


def test_change_and_deletion_proposed_then_accepted(server: LiveServer) -> None:
    _, owner, proposer, _ = _world(server)
    event = _event(owner, 1)
    target = event.attributes[0]
    fields = {"comment": "better comment", "to_ids": True}
    change = proposer.update_attribute(fields, target.id, pythonify=True)
    assert isinstance(change, MISPShadowAttribute), change
    assert (change.value, change.uuid, change.old_id) == (target.value, target.uuid, str(target.id))
    deletion = proposer.delete_attribute(target)
    assert deletion["saved"] is True, deletion
    seen = owner.get_event(event.id, pythonify=True)
    assert seen.attributes[0].comment == "as created"  # unchanged until accepted
    proposed = seen.attributes[0].shadow_attributes
    assert [(p.comment, p.proposal_to_delete) for p in proposed] == [
        ("better comment", False), ("as created", True),
    ]  # fmt: skip
    assert seen.shadow_attributes == []  # those are about an attribute, not new ones
    answer = owner.accept_attribute_proposal(change)
    assert answer["message"] == "Proposed change accepted.", answer
    changed = owner.get_attribute(target.id, pythonify=True)
    assert (changed.comment, changed.to_ids, changed.value) == (
        "better comment", True, target.value,
    )  # fmt: skip
    to_delete = owner.attribute_proposals(event, pythonify=True)
    assert [p.proposal_to_delete for p in to_delete] == [True]
    assert owner.accept_attribute_proposal(to_delete[0])["message"] == "Proposed change accepted."
    assert owner.get_event(event.id, pythonify=True).attributes == []
    kept = owner.get_event(event.id, deleted=[0, 1], pythonify=True).attributes
    assert [(a.uuid, a.deleted) for a in kept] == [(target.uuid, True)]


def test_discard(server: LiveServer) -> None:
    _, owner, proposer, other = _world(server)
    event = _event(owner, 1)
    first = proposer.add_attribute_proposal(event.id, {"type": "ip-src", "value": "192.0.2.1"})
    second = proposer.add_attribute_proposal(event.id, {"type": "ip-src", "value": "192.0.2.2"})
    first_id, second_id = first["ShadowAttribute"]["id"], second["ShadowAttribute"]["id"]
    # OTHER sees the event but not the proposals: they are absent for it.
    hidden = _errors(other.discard_attribute_proposal(first_id))
    assert (
        hidden == _errors(other.discard_attribute_proposal("987654")) == (404, "Invalid proposal.")
    )
    mine = proposer.discard_attribute_proposal(first_id)
    assert mine["message"] == "Proposal discarded.", mine
    theirs = owner.discard_attribute_proposal(second_id)
    assert theirs["message"] == "Proposal discarded.", theirs
    assert owner.attribute_proposals() == [] == proposer.attribute_proposals()
    assert [a["value"] for a in _view(owner, event)["Attribute"]] == [event.attributes[0].value]


def test_refusals(server: LiveServer) -> None:
    admin, owner, proposer, _ = _world(server)
    private = _event(owner, 0)
    absent_event, absent_attribute = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"type": "ip-src", "value": "192.0.2.9"}
    # An event or attribute the proposer may not see answers as one that does not exist.
    on_hidden = _errors(proposer.add_attribute_proposal(private.uuid, body))
    assert on_hidden == _errors(proposer.add_attribute_proposal(absent_event, body))
    assert on_hidden[0] == 404
    hidden_attribute = private.attributes[0].uuid
    assert _errors(proposer.update_attribute_proposal(hidden_attribute, {"comment": "x"}))[0] == 404
    assert _errors(proposer.update_attribute_proposal(absent_attribute, {"comment": "x"})) == (
        _errors(proposer.update_attribute_proposal(hidden_attribute, {"comment": "x"}))
    )
    assert _errors(proposer.delete_attribute_proposal(hidden_attribute)) == (
        _errors(proposer.delete_attribute_proposal(absent_attribute))
    )
    # A read-only role may not propose; a bad proposal is a 400, never a 500.
    reader = _org_user(admin, "READER", READ_ONLY_ROLE_ID)
    shared = _event(owner, 1)
    assert _errors(reader.add_attribute_proposal(shared.id, body))[0] == 403
    bad = proposer.add_attribute_proposal(shared.id, {"type": "ip-src", "value": "not an ip"})
    assert _errors(bad)[0] == 400
    assert _errors(proposer.update_attribute_proposal(shared.attributes[0].id, {}))[0] == 400
    attachment = {"type": "attachment", "value": "a.txt", "data": "aGVsbG8="}
    assert _errors(proposer.add_attribute_proposal(shared.id, attachment))[0] == 400
    # Accepting a proposal whose value is now in the event is refused, the proposal kept.
    proposal = proposer.add_attribute_proposal(shared.id, body)["ShadowAttribute"]
    owner.add_attribute(shared.id, body)
    assert _errors(owner.accept_attribute_proposal(proposal["id"]))[0] == 409
    assert [p["ShadowAttribute"]["id"] for p in owner.attribute_proposals()] == [proposal["id"]]


def test_proposals_go_with_their_event_and_organisation(server: LiveServer) -> None:
    admin, owner, proposer, _ = _world(server)
    event = _event(owner, 1)
    proposer.add_attribute_proposal(event.id, {"type": "ip-src", "value": "192.0.2.3"})
    proposer.delete_attribute_proposal(event.attributes[0].id)
    assert len(admin.attribute_proposals()) == 2
    owner.delete_attribute(event.attributes[0].id, hard=True)  # its proposal goes with it
    assert len(admin.attribute_proposals()) == 1
    owner.delete_event(event.id)
    assert admin.attribute_proposals() == []
