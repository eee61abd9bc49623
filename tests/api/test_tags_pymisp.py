"""``tags/attachTagToObject``, ``tags/removeTagFromObject``, non-exportable tags and
tags on ``attributes/edit``, driven by PyMISP, unchanged, on the live server (SQLite
and PostgreSQL), as PyMISP's ``test_update_object`` and ``test_tags`` use them."""

from __future__ import annotations

from pymisp import MISPEvent, MISPOrganisation, MISPTag, MISPUser, PyMISP
from tests.support import LiveServer


def _client(url: str, key: str) -> PyMISP:
    return PyMISP(url, key, ssl=False, timeout=60)


def _user(admin: PyMISP, name: str, org_id: str | None = None, role: int = 3) -> tuple[str, str]:
    """A user (in a new organisation unless ``org_id``): (user id, API key)."""
    if org_id is None:
        org = MISPOrganisation()
        org.name = name
        created = admin.add_organisation(org, pythonify=True)
        assert isinstance(created, MISPOrganisation), created
        org_id = str(created.id)
    user = MISPUser()
    user.email = f"analyst@{name.lower()}.test"
    user.org_id = org_id
    user.role_id = role
    added = admin.add_user(user)
    assert isinstance(added, dict) and "User" in added, added
    return str(added["User"]["id"]), str(added["User"]["authkey"])


def _event(misp: PyMISP, tag: str | None = None) -> MISPEvent:
    event = MISPEvent()
    event.info = "tags"
    attribute = event.add_attribute("ip-dst", "192.0.2.1")
    if tag:
        attribute.add_tag(tag)
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_attach_and_remove_answer_misp_messages(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    event = _event(admin)
    r = admin.tag(event, "generic_tag_test")
    tag_id = admin.search_tags("generic_tag_test", pythonify=True)[0].id
    assert r["saved"] is True and r["success"] == "Tag(s) attached."
    assert (
        r["message"]
        == f"Global tag generic_tag_test({tag_id}) successfully attached to Event({event.id})."
    )
    old = admin.get_event(event.id, pythonify=True)
    r = admin.tag(event, "generic_tag_test_local", local=True)
    assert r["message"].startswith("Local tag generic_tag_test_local(")
    assert admin.get_event(event.id, pythonify=True).timestamp == old.timestamp  # local: no touch
    attribute = old.attributes[0]
    r = admin.tag(attribute, "on-attribute")
    assert r["message"].endswith(f"successfully attached to Attribute({attribute.id}).")
    r = admin.untag(event, "generic_tag_test_local")
    assert r["message"].startswith("Local tag generic_tag_test_local (")
    assert r["message"].endswith(f"successfully removed from Event({event.id}).")
    r = admin.untag(attribute, "on-attribute")
    assert r["message"].endswith(f"successfully removed from Attribute({attribute.id}).")
    again = admin.untag(attribute, "on-attribute")
    assert again["errors"][0] == 404, again


def test_restricted_tags_refused_under_errors(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    owner_id, owner_key = _user(admin, "Owner")
    org_id = admin.get_user(owner_id, pythonify=True).org_id
    _, colleague_key = _user(admin, "Colleague", org_id=str(org_id), role=4)
    tag = MISPTag()
    tag.name = "restricted to owner"
    tag.user_id = owner_id
    admin.add_tag(tag)
    owner = _client(server.url, owner_key)
    mine = _event(owner)
    r = _client(server.url, colleague_key).tag(mine.attributes[0], "restricted to owner")
    assert r["errors"][0] == 403, r
    assert "Invalid Tag. This tag can only be set by a fixed user." in r["errors"][1]["errors"]
    r = owner.tag(mine.attributes[0], "restricted to owner")
    assert f"({mine.attributes[0].id})" in r["message"] and "successfully" in r["message"], r


def test_non_exportable_tags_hidden_and_edit_honours_deleted(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    _, key = _user(admin, "Tagger")
    tag = MISPTag()
    tag.name = "non-exportable tag"
    tag.exportable = False
    admin.add_tag(tag)
    user = _client(server.url, key)
    added = _event(user, "non-exportable tag")
    assert not added.attributes[0].tags
    assert not admin.get_event(added, pythonify=True).attributes[0].tags
    r = user.tag(added.attributes[0], "kept")
    assert "successfully" in r["message"], r
    r = user.tag(added.attributes[0], "dropped")
    first = user.get_event(added, pythonify=True)
    assert sorted(t.name for t in first.attributes[0].tags) == ["dropped", "kept"]
    for t in first.attributes[0].tags:
        if t.name == "dropped":
            t.delete()
    edited = user.update_attribute(first.attributes[0], pythonify=True)
    assert [t.name for t in edited.tags] == ["kept"]


def test_add_event_drops_tags_the_author_may_not_use(server: LiveServer) -> None:
    admin = _client(server.url, server.admin_key)
    owner_id, owner_key = _user(admin, "Keeper")
    _, other_key = _user(admin, "Stranger")
    tag = MISPTag()
    tag.name = "restricted to keeper"
    tag.user_id = owner_id
    admin.add_tag(tag)
    for key, kept in ((other_key, []), (owner_key, ["restricted to keeper"])):
        event = MISPEvent()
        event.info = "restricted"
        event.add_tag("restricted to keeper")
        event.add_attribute("ip-dst", "192.0.2.2").add_tag("restricted to keeper")
        added = _client(server.url, key).add_event(event, pythonify=True)
        assert isinstance(added, MISPEvent), added
        assert [t.name for t in added.tags] == kept
        assert [t.name for t in added.attributes[0].tags] == kept
