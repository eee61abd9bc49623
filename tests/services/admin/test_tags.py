"""The tag catalogue and statistics on the live server (SQLite and PostgreSQL) with
PyMISP: view, edit (flags), search, delete, restrictions and counts."""

from __future__ import annotations

from pymisp import MISPEvent, MISPTag, PyMISP

from tests.services.admin.test_users import World, assert_error, world
from threatmesh.model.errors import ACL_REFUSAL

__all__ = ["world"]


def _misp(world: World, key: str | None = None) -> PyMISP:
    return PyMISP(world.server.url, key or world.server.admin_key, ssl=False, timeout=60)


def test_tags_are_viewed_edited_searched_and_deleted(world: World) -> None:
    admin = _misp(world)
    tag = MISPTag()
    tag.name = "this is a test tag"
    tag.exportable = False
    made = admin.add_tag(tag, pythonify=True)
    assert made.exportable is False
    assert admin.get_tag(made, pythonify=True).name == "this is a test tag"
    assert admin.disable_tag(made, pythonify=True).hide_tag is True
    assert admin.enable_tag(made, pythonify=True).hide_tag is False
    made.name = "renamed tag"
    assert admin.update_tag(made, pythonify=True).name == "renamed tag"
    assert admin.search_tags("renam%", pythonify=True)[0].name == "renamed tag"
    assert admin.search_tags("not a tag") == []
    plain = world.add("plain@h.test", "1", 3)  # no tag editor permission
    path = f"/tags/delete/{made.id}"
    r = plain.http.post(path)
    assert_error(r, 403, path)
    assert r.json()["message"] == ACL_REFUSAL
    assert admin.delete_tag(made)["message"] == "Tag deleted."
    assert admin.get_tag(made.id)["errors"][0] == 404


def test_restricted_tags_are_attached_only_by_their_user(world: World) -> None:
    admin = _misp(world)
    plain = world.add("plain@h.test", "1", 3)
    other = world.add("other@h.test", "1", 3)
    tag = MISPTag()
    tag.name = "only plain"
    tag.user_id = plain.id
    assert admin.add_tag(tag, pythonify=True).user_id == plain.id
    event = MISPEvent()
    event.info = "tagged"
    event.distribution = 1
    made = _misp(world, plain.key).add_event(event, pythonify=True)
    refused = _misp(world, other.key).tag(made, "only plain")
    # MISP's saveFailResponse: the reasons are under "errors"
    assert refused["errors"][0] == 403
    reasons = refused["errors"][1]["errors"]
    assert "Invalid Tag. This tag can only be set by a fixed user." in reasons
    assert _misp(world, plain.key).tag(made, "only plain")["saved"] is True
    stats = admin.tags_statistics()
    assert stats == {"tags": {"only plain": "1"}, "taxonomies": []}
    assert admin.tags_statistics(percentage=True) == {
        "tags": {"only plain": "100%"}, "taxonomies": []
    }  # fmt: skip
    view = plain.http.get(f"/tags/view/{admin.search_tags('only plain')[0]['Tag']['id']}")
    assert view.json()["count"] == 1


def test_attribute_and_user_statistics(world: World) -> None:
    admin = _misp(world)
    event = MISPEvent()
    event.info = "stats"
    event.distribution = 0
    event.add_attribute("ip-dst", "198.51.100.1")
    event.add_attribute("ip-dst", "198.51.100.2")
    event.add_attribute("text", "hello")
    admin.add_event(event)
    assert admin.attributes_statistics() == {"ip-dst": "2", "text": "1"}
    assert admin.attributes_statistics(context="category", percentage=True) == {
        "Network activity": "66.667%", "Other": "33.333%"
    }  # fmt: skip
    # Another organisation's user does not count an organisation-only event.
    outsider = _misp(world, world.add("b@b.test", world.org_b, 3).key)
    assert outsider.attributes_statistics() == {}
    assert "stats" in admin.users_statistics(context="data")
    assert list(admin.users_statistics(context="users")) == ["user", "org_local", "org_external"]
    assert list(admin.users_statistics(context="tags")) == ["flatData", "treemap"]
    assert isinstance(admin.users_statistics(context="attributehistogram"), list)
    assert list(admin.users_statistics(context="sightings")) == ["toplist", "eventids"]
