"""Soft-deleted content is its owner's: other organisations read it on no path.

MISP's ``Event::fetchEvent`` shows deleted attributes and objects only in the events
of the user's own organisation (site admins and sync users aside). CERT-A shares an
event with everyone, then deletes one attribute and one object of it; a user of
CERT-B, who sees the event, must not find them through ``attributes/view`` (GET and
HEAD), ``attributes/restSearch`` and ``events/restSearch`` with ``deleted`` (1 and
[0, 1], with and without a value, so both search paths), ``events/view`` with
``deleted`` (PyMISP's body and the named parameter), sightings or tags: each answers
as for an attribute that does not exist. CERT-A and the site admin still read them.
Driven with PyMISP (and httpx where PyMISP has no call), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pymisp import MISPEvent, MISPObject, PyMISP
from tests.support import LiveServer
from tests.support_sse import SSEReader
from tests.trust_support import Member, member

GONE_VALUE = "198.51.100.21"
KEPT_VALUE = "198.51.100.20"


@dataclass
class Scene:
    """CERT-A's open event with a deleted attribute and a deleted object."""

    server: LiveServer
    owner: Member
    other: Member
    event: dict[str, Any]
    kept: str  # UUID of the live attribute
    gone: str  # UUID of the deleted attribute
    gone_object: str
    gone_in_object: str  # UUID of the (deleted) attribute of the deleted object

    def misp(self, who: Member | None = None) -> PyMISP:
        """PyMISP as ``who`` (the site admin by default)."""
        return PyMISP(self.server.url, who.key if who else self.server.admin_key, ssl=False)


@pytest.fixture
def scene(server: LiveServer) -> Iterator[Scene]:
    owner, other = member(server, "CERT-A"), member(server, "CERT-B")
    misp = PyMISP(server.url, owner.key, ssl=False)
    event = MISPEvent()
    event.info = "shared, then partly deleted"
    event.distribution = 3
    kept = event.add_attribute("ip-dst", KEPT_VALUE)
    gone = event.add_attribute("ip-dst", GONE_VALUE)
    obj = MISPObject("domain-ip")
    inner = obj.add_attribute("domain", "gone.example")
    event.add_object(obj)
    added = misp.add_event(event)
    assert "errors" not in added, added
    # CERT-B sights the attribute while it is there (its own sighting).
    sighted = other.http.post("/sightings/add", json={"uuid": gone.uuid, "source": "b-ids"})
    assert sighted.status_code == 200, sighted.text
    assert "errors" not in misp.delete_attribute(gone.uuid)
    assert "errors" not in misp.delete_object(obj.uuid)
    yield Scene(server, owner, other, added["Event"], kept.uuid, gone.uuid, obj.uuid, inner.uuid)
    owner.http.close()
    other.http.close()


def attribute_uuids(found: Any) -> set[str]:
    """UUIDs in a PyMISP attribute search answer."""
    assert isinstance(found, dict) and "errors" not in found, found
    return {a["uuid"] for a in found["Attribute"]}


def content(event: dict[str, Any]) -> set[str]:
    """UUIDs of the attributes and objects (and their attributes) of an event."""
    out = {a["uuid"] for a in event.get("Attribute", [])}
    for o in event.get("Object", []):
        out |= {o["uuid"], *(a["uuid"] for a in o.get("Attribute", []))}
    return out


def same_answer(hidden: httpx.Response, absent: httpx.Response, refs: tuple[str, str]) -> None:
    """Both answers alike, apart from the echoed identifier."""
    assert hidden.status_code == absent.status_code, (hidden.text, absent.text)
    assert hidden.text.replace(refs[0], "<ref>") == absent.text.replace(refs[1], "<ref>")


def test_another_organisation_reads_no_deleted_content(scene: Scene) -> None:
    misp, http = scene.misp(scene.other), scene.other.http
    deleted = {scene.gone, scene.gone_object, scene.gone_in_object}
    unknown = str(uuid.uuid4())

    # attributes/view and HEAD: as for an attribute that does not exist.
    for ref in (scene.gone, scene.gone_in_object):
        same_answer(http.get(f"/attributes/view/{ref}"), http.get(f"/attributes/view/{unknown}"),
                    (ref, unknown))  # fmt: skip
        assert misp.get_attribute(ref)["errors"][0] == 404
        assert misp.attribute_exists(ref) is False

    # restSearch with deleted 1 and [0, 1], on the general and the value lookup paths.
    assert attribute_uuids(misp.search(controller="attributes", deleted=1)) == set()
    assert attribute_uuids(misp.search(controller="attributes", deleted=[0, 1])) == {scene.kept}
    for value in (GONE_VALUE, "gone.example"):
        assert attribute_uuids(misp.search(controller="attributes", value=value)) == set()
        both = misp.search(controller="attributes", value=value, deleted=[0, 1])
        assert attribute_uuids(both) == set()
    assert misp.search(controller="events", deleted=1) == []
    assert misp.search(controller="events", value=GONE_VALUE, deleted=[0, 1]) == []
    (event,) = misp.search(controller="events", deleted=[0, 1])
    assert content(event["Event"]) == {scene.kept}

    # events/view with deleted: PyMISP's body ({"deleted": ...}) and the named parameter.
    for flag in (True, [1], [0, 1], 2):
        assert (
            content(misp.get_event(scene.event["uuid"], deleted=flag)["Event"]) & deleted == set()
        )
    named = http.get(f"/events/view/{scene.event['uuid']}/deleted:1").json()["Event"]
    assert content(named) == {scene.kept}

    # Sightings and tags by UUID: as for an attribute that does not exist.
    for path, body in (
        ("/sightings/listSightings", {"context": "attribute", "id": "{ref}"}),
        ("/sightings/add", {"uuid": "{ref}", "source": "b-ids"}),
        ("/tags/attachTagToObject", {"uuid": "{ref}", "tag": "tlp:red"}),
        ("/tags/removeTagFromObject", {"uuid": "{ref}", "tag": "tlp:red"}),
    ):
        answers = [
            http.post(path, json={k: v.format(ref=ref) for k, v in body.items()})
            for ref in (scene.gone, unknown)
        ]
        assert answers[0].status_code == 404, (path, answers[0].text)
        same_answer(*answers, (scene.gone, unknown))
    mine = http.post("/sightings/restSearch", json={}).json()
    assert all(s["Sighting"]["attribute_id"] != scene.event["Attribute"][1]["id"] for s in mine)


@pytest.mark.parametrize("who", ["owner", "site admin"])
def test_owner_and_site_admin_still_read_it(scene: Scene, who: str) -> None:
    misp = scene.misp(scene.owner if who == "owner" else None)
    deleted = {scene.gone, scene.gone_object, scene.gone_in_object}

    got = misp.get_attribute(scene.gone)
    assert got["Attribute"]["uuid"] == scene.gone and got["Attribute"]["deleted"] is True
    assert misp.attribute_exists(scene.gone) is True
    only = attribute_uuids(misp.search(controller="attributes", deleted=1))
    assert only == {scene.gone, scene.gone_in_object}
    both = attribute_uuids(misp.search(controller="attributes", deleted=[0, 1]))
    assert both == {scene.kept, scene.gone, scene.gone_in_object}

    assert content(misp.get_event(scene.event["uuid"])["Event"]) == {scene.kept}
    with_deleted = misp.get_event(scene.event["uuid"], deleted=True)["Event"]
    assert content(with_deleted) == {scene.kept} | deleted
    only_deleted = misp.get_event(scene.event["uuid"], deleted=[1])["Event"]
    assert content(only_deleted) == deleted
    (event,) = misp.search(controller="events", deleted=1)
    assert content(event["Event"]) == deleted


def test_the_stream_tells_no_other_organisation_of_deleted_content(scene: Scene) -> None:
    """A change to a deleted attribute (its owner tags it) is notified to the owner's
    subscribers, not to another organisation's; a change to a live one to both."""
    for ref in (scene.gone, scene.kept):
        tagged = scene.owner.http.post(
            "/tags/attachTagToObject", json={"uuid": ref, "tag": "tlp:amber"}
        )
        assert tagged.status_code == 200, tagged.text
    params = {"topics": "misp_json_tag", "last_event_id": "0"}
    theirs = SSEReader(scene.server.url, scene.other.key, count=1, params=params).start()
    assert [f.data["Attribute"]["uuid"] for f in theirs.join()] == [scene.kept]
    mine = SSEReader(scene.server.url, scene.owner.key, count=2, params=params).start()
    assert [f.data["Attribute"]["uuid"] for f in mine.join()] == [scene.gone, scene.kept]
