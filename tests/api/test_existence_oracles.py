"""No answer tells a user (or an unauthenticated caller) that something it may not
see exists.

- ``GET /uma/events/{uuid}`` without an RPT: the same 401 challenge for any
  well-formed UUID, and a ticket that no grant redeems when there is no such event
  (the token endpoint denies it, and uses it up, as it does a denied one).
- UMA resource registration, tags: another organisation's hidden event or attribute
  answers as an unknown UUID does.
- UUID collisions on ``events/add``, ``events/edit``, ``attributes/add`` and
  ``objects/add`` (attributes, objects, objects' attributes, references): one 409
  naming the request's own element, the same whether the UUID's holder is visible
  to the user or hidden, and never the database's text.
- An object reference to a hidden attribute resolves no more than one to an unknown
  UUID.

CERT-A holds a hidden (organisation-only) event and a visible (all communities) one
with the same shape; CERT-B probes both. Real server, httpx and PyMISP, SQLite and
PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pymisp import MISPEvent, PyMISP
from tests.support import LiveServer
from tests.trust_support import Member, member

Json = dict[str, Any]


@dataclass
class Holdings:
    """The UUIDs of one of CERT-A's events and its content."""

    event: str
    attribute: str
    object: str
    object_attribute: str
    reference: str


@dataclass
class Site:
    server: LiveServer
    owner: Member
    prober: Member
    hidden: Holdings
    visible: Holdings
    own_event: str  # an event of the prober's, to add to and edit


def _holdings(owner: Member, distribution: int) -> Holdings:
    ids = [str(uuid.uuid4()) for _ in range(5)]
    body = {
        "uuid": ids[0],
        "info": f"distribution {distribution}",
        "distribution": distribution,
        "Attribute": [{"uuid": ids[1], "type": "ip-dst", "value": "198.51.100.40"}],
        "Object": [
            {
                "uuid": ids[2],
                "name": "domain-ip",
                "Attribute": [
                    {
                        "uuid": ids[3],
                        "type": "domain",
                        "value": "held.example",
                        "object_relation": "domain",
                    },
                ],
                "ObjectReference": [{"uuid": ids[4], "referenced_uuid": ids[1]}],
            }
        ],
    }
    r = owner.http.post("/events/add", json={"Event": body})
    assert r.status_code == 200, r.text
    return Holdings(*ids)


@pytest.fixture
def site(server: LiveServer) -> Iterator[Site]:
    server.platform.trust.issuer = server.url
    owner, prober = member(server, "CERT-A"), member(server, "CERT-B")
    hidden, visible = _holdings(owner, 0), _holdings(owner, 3)
    r = prober.http.post("/events/add", json={"Event": {"info": "mine", "distribution": 0}})
    assert r.status_code == 200, r.text
    yield Site(server, owner, prober, hidden, visible, r.json()["Event"]["uuid"])
    owner.http.close()
    prober.http.close()


def _alike(a: httpx.Response, b: httpx.Response, refs: tuple[str, str] = ("", "")) -> None:
    """The same status and body, apart from the identifiers the requests echo."""
    assert a.status_code == b.status_code, (a.text, b.text)
    text_a, text_b = a.text, b.text
    if refs[0]:
        text_a, text_b = text_a.replace(refs[0], "<ref>"), text_b.replace(refs[1], "<ref>")
    assert text_a == text_b


# --- UMA ------------------------------------------------------------------------------


def _claims(jwt: str) -> Json:
    payload = jwt.split(".")[1]
    claims: Json = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def _ticket(response: httpx.Response) -> str:
    header = response.headers["www-authenticate"]
    return header.split('ticket="')[1].split('"')[0]


def test_uma_challenges_any_uuid_alike(site: Site) -> None:
    url = site.server.url
    existing, unknown = site.hidden.event, str(uuid.uuid4())
    answers = {}
    for ref in (existing, unknown):
        first, again = httpx.get(f"{url}/uma/events/{ref}"), httpx.get(f"{url}/uma/events/{ref}")
        _alike(first, again)
        assert first.status_code == 401
        header = first.headers["www-authenticate"]
        assert header.startswith(f'UMA realm="threatmesh", as_uri="{url}", ticket="')
        one, two = _claims(_ticket(first)), _claims(_ticket(again))
        # The resource id is as stable for an unknown event as for a registered one.
        assert one["resource_id"] == two["resource_id"] and one["jti"] != two["jti"]
        answers[ref] = (first, sorted(one), len(one["resource_id"]))
        posted = httpx.post(f"{url}/uma/events/{ref}/sightings", json={"attribute_uuid": ref})
        assert posted.status_code == 401
        answers[ref] += (posted,)
    (e_get, e_keys, e_len, e_post), (u_get, u_keys, u_len, u_post) = answers.values()
    _alike(e_get, u_get, (existing, unknown))
    _alike(e_post, u_post, (existing, unknown))
    assert (e_keys, e_len) == (u_keys, u_len)
    assert e_get.headers.keys() == u_get.headers.keys()
    assert httpx.get(f"{url}/uma/events/not-a-uuid").status_code == 400


def test_a_ticket_for_an_unknown_event_is_denied_like_a_denied_one(site: Site) -> None:
    url, prober = site.server.url, site.prober
    token = {"grant_type": "urn:ietf:params:oauth:grant-type:uma-ticket"}
    answers = []
    for ref in (site.hidden.event, str(uuid.uuid4())):
        ticket = _ticket(httpx.get(f"{url}/uma/events/{ref}"))
        denied = prober.http.post("/uma/token", data={**token, "ticket": ticket})
        replay = prober.http.post("/uma/token", data={**token, "ticket": ticket})
        answers.append((denied, replay))
    (d1, r1), (d2, r2) = answers
    _alike(d1, d2)
    _alike(r1, r2)
    assert d1.status_code == 403 and d1.json()["error"] == "request_denied"
    assert r1.status_code == 400 and r1.json()["error"] == "invalid_grant"


def test_uma_resources_of_others_answer_as_unknown_ones(site: Site) -> None:
    http = site.prober.http
    unknown = str(uuid.uuid4())
    for kind, ref in (("event", site.hidden.event), ("event", site.visible.event)):
        answers = [
            http.post("/uma/resources", json={"type": kind, "ref": r}) for r in (ref, unknown)
        ]
        assert answers[0].status_code == 404
        _alike(*answers, (ref, unknown))
    with httpx.Client(
        base_url=site.server.url, headers={"Authorization": site.server.admin_key}
    ) as admin:
        group = admin.post("/sharing_groups/add", json={"SharingGroup": {"name": "CLOSED"}})
        assert group.status_code == 200, group.text
    closed = group.json()["SharingGroup"]["uuid"]
    answers = [
        http.post("/uma/resources", json={"type": "sharing_group", "ref": r})
        for r in (closed, unknown)
    ]
    assert answers[0].status_code == 404
    _alike(*answers, (closed, unknown))


# --- tags -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tags/attachTagToObject", "/tags/removeTagFromObject"])
def test_tagging_a_hidden_target_answers_as_an_unknown_one(site: Site, path: str) -> None:
    unknown = str(uuid.uuid4())
    for hidden in (site.hidden.event, site.hidden.attribute):
        answers = [
            site.prober.http.post(path, json={"uuid": ref, "tag": "tlp:red"})
            for ref in (hidden, unknown)
        ]
        assert answers[0].status_code == 404 and answers[0].json()["message"] == "Invalid Target."
        _alike(*answers, (hidden, unknown))


# --- UUID collisions ----------------------------------------------------------------


def _event_with(**content: Any) -> Json:
    return {"Event": {"info": "collision", "distribution": 0, **content}}


def _object(uuid_: str | None = None, attr: str | None = None, ref: str | None = None) -> Json:
    attribute = {"type": "domain", "value": "probe.example", "object_relation": "domain"}
    obj: Json = {"name": "domain-ip", "Attribute": [attribute | ({"uuid": attr} if attr else {})]}
    if uuid_:
        obj["uuid"] = uuid_
    if ref:
        obj["ObjectReference"] = [{"uuid": ref, "referenced_uuid": str(uuid.uuid4())}]
    return obj


def _attribute(uuid_: str) -> Json:
    return {"uuid": uuid_, "type": "ip-src", "value": "203.0.113.9"}


# (what, path, body from the held element's UUID, the element the message names)
CLASHES = [
    ("event attribute", "/events/add", lambda h: _event_with(Attribute=[_attribute(h.attribute)]),
     "Event.Attribute[0].uuid: a different attribute already uses this UUID"),
    ("event object", "/events/add", lambda h: _event_with(Object=[_object(h.object)]),
     "Event.Object[0].uuid: a different object already uses this UUID"),
    ("object attribute", "/events/add",
     lambda h: _event_with(Object=[_object(attr=h.object_attribute)]),
     "Event.Object[0].Attribute[0].uuid: a different attribute already uses this UUID"),
    ("reference", "/events/add", lambda h: _event_with(Object=[_object(ref=h.reference)]),
     "Event.Object[0].ObjectReference[0].uuid: a different object reference already uses"),
    ("attributes/add", "/attributes/add/{own}", lambda h: _attribute(h.attribute),
     "Attribute.uuid: a different attribute already uses this UUID"),
    ("attributes/add list", "/attributes/add/{own}",
     # Two values: a repeated one is refused before it is written (MISP's uniqueValue).
     lambda h: [_attribute(str(uuid.uuid4())) | {"value": "203.0.113.10"},
                _attribute(h.attribute)],
     "Attribute[1].uuid: a different attribute already uses this UUID"),
    ("objects/add", "/objects/add/{own}", lambda h: _object(h.object),
     "Object.uuid: a different object already uses this UUID"),
    ("objects/add attribute", "/objects/add/{own}", lambda h: _object(attr=h.object_attribute),
     "Object.Attribute[0].uuid: a different attribute already uses this UUID"),
    ("events/edit attribute", "/events/edit/{own}",
     lambda h: _event_with(Attribute=[_attribute(h.attribute)]),
     "Event.Attribute[0].uuid: a different attribute already uses this UUID"),
    ("events/edit object", "/events/edit/{own}", lambda h: _event_with(Object=[_object(h.object)]),
     "Event.Object[0].uuid: a different object already uses this UUID"),
    ("events/edit new object's attribute", "/events/edit/{own}",
     lambda h: _event_with(Object=[_object(attr=h.object_attribute)]),
     "Event.Object[0].Attribute[0].uuid: a different attribute already uses this UUID"),
    ("event uuid", "/events/add", lambda h: _event_with(uuid=h.event),
     "Event already exists"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "path", "body", "message"), CLASHES, ids=[c[0] for c in CLASHES])
def test_a_uuid_collision_does_not_tell_hidden_from_visible(
    site: Site, what: str, path: str, body: Any, message: str
) -> None:
    url = path.format(own=site.own_event)
    answers = [site.prober.http.post(url, json=body(held)) for held in (site.hidden, site.visible)]
    _alike(*answers)
    assert answers[0].status_code == 409, answers[0].text
    text = answers[0].json()["message"]
    assert text.startswith(message), text
    for leak in ("UNIQUE", "constraint", "attributes.uuid", "Key (", site.hidden.event):
        assert leak not in text
    # Nothing was written: the prober's event is as it was.
    mine = site.prober.http.get(f"/events/view/{site.own_event}").json()["Event"]
    assert mine["Attribute"] == [] and mine["Object"] == []


def test_pymisp_gets_the_collision_as_an_error(site: Site) -> None:
    misp = PyMISP(site.server.url, site.prober.key, ssl=False)
    event = MISPEvent()
    event.info = "collision via PyMISP"
    event.add_attribute("ip-src", "203.0.113.10", uuid=site.hidden.attribute)
    status, body = misp.add_event(event)["errors"]
    assert status == 409
    assert (
        body["message"] == "Event.Attribute[0].uuid: a different attribute already uses this UUID"
    )


def test_a_reference_to_a_hidden_attribute_resolves_as_one_to_nothing(site: Site) -> None:
    refs = []
    for target in (site.hidden.attribute, str(uuid.uuid4())):
        obj = _object() | {"ObjectReference": [{"referenced_uuid": target}]}
        r = site.prober.http.post(f"/objects/add/{site.own_event}", json=obj)
        assert r.status_code == 200, r.text
        mine = site.prober.http.get(f"/events/view/{site.own_event}").json()["Event"]
        (ref,) = [
            x
            for o in mine["Object"]
            for x in o["ObjectReference"]
            if x["referenced_uuid"] == target
        ]
        refs.append((ref["referenced_id"], ref["referenced_type"]))
    assert refs[0] == refs[1] == ("0", "0")
