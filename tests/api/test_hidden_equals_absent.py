"""Hidden equals absent: on every route, what a user may not see answers exactly as
what does not exist.

CERT-A holds an organisation-only event (with an attribute, an object, a reference, a
sighting, a tag, a report and an attribute proposal), a UMA resource and policy on it,
a user, a sharing group other organisations are not in, and a shared event whose
attribute and object it deleted (deleted content is its owner's); the site admin holds
a sync server connection. For every route of the app that takes an identifier or a
filter (reads, and the writes that address existing content), a user of another
organisation sends the same request twice: once naming CERT-A's thing, once naming a
random id or UUID that exists nowhere. Status, body (the echoed identifier masked) and
the headers that matter must be equal. The prober is a plain user of CERT-B, then an
organisation admin of CERT-C (whose permissions take requests past the permission
checks to the lookups).

The routes are read from ``app.routes``, so a new route fails here until it is
probed or excused (:mod:`tests.api.route_probes`, with a reason). Live server, httpx,
SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from tests.api.route_probes import NEW_OBJECT, NOT_PROBED, PROBES, Ids, Probe
from tests.support import LiveServer
from tests.trust_support import Member, api, member

from threatmesh.api.app import create_app
from threatmesh.api.settings import Settings
from threatmesh.model.roles import ORG_ADMIN_ROLE_ID

# --- the world ------------------------------------------------------------------------


@dataclass
class World:
    server: LiveServer
    probers: list[Member]
    #: What CERT-A hides, by kind: each set is probed on the routes naming only it.
    hidden: dict[str, Ids]
    absent: Ids


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def _hidden_event(owner: Member) -> Ids:
    """CERT-A's organisation-only event and what hangs off it."""
    ids = {k: str(uuid.uuid4()) for k in ("event", "attribute", "object", "reference")}
    body = {
        "uuid": ids["event"],
        "info": "CERT-A only",
        "distribution": 0,
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [{"uuid": ids["attribute"], "type": "ip-dst", "value": "198.51.100.99",
                       "Tag": [{"name": "tlp:amber"}]}],
        "Object": [
            {"uuid": ids["object"], "name": "domain-ip",
             "Attribute": [{"type": "domain", "value": "hidden.example",
                            "object_relation": "domain"}],
             "ObjectReference": [{"uuid": ids["reference"], "referenced_uuid": ids["attribute"]}]}
        ],
    }  # fmt: skip
    event = _ok(owner.http.post("/events/add", json={"Event": body}))["Event"]
    ids["event_id"] = event["id"]
    ids["attribute_id"] = event["Attribute"][0]["id"]
    ids["object_id"] = event["Object"][0]["id"]
    ids["value"] = "198.51.100.99"
    sighting = _ok(owner.http.post("/sightings/add", json={"uuid": ids["attribute"]}))
    ids["sighting"] = sighting["Sighting"]["uuid"]
    report = {"name": "hidden report", "content": "# hidden", "distribution": 5}
    added = _ok(owner.http.post(f"/eventReports/add/{ids['event']}", json=report))
    ids |= {"report": added["EventReport"]["uuid"], "report_id": added["EventReport"]["id"]}
    proposal = {"type": "ip-src", "value": "198.51.100.96"}
    proposed = _ok(owner.http.post(f"/shadowAttributes/add/{ids['event']}", json=proposal))
    ids["proposal_id"] = proposed["ShadowAttribute"]["id"]
    resource = _ok(owner.http.post("/uma/resources", json={"type": "event", "ref": ids["event"]}))
    ids["rsid"] = resource["_id"]
    policy = {"event": ids["event"], "scopes": ["read"], "orgs": ["CERT-A"]}
    ids["policy"] = _ok(owner.http.post("/uma/policies", json=policy))["uuid"]
    return ids


def _deleted_content(owner: Member) -> Ids:
    """An attribute and an object CERT-A deleted from an event shared with everyone."""
    ids = {k: str(uuid.uuid4()) for k in ("attribute", "object")}
    body = {
        "info": "shared, partly deleted",
        "distribution": 3,
        "Attribute": [{"uuid": ids["attribute"], "type": "ip-dst", "value": "198.51.100.97"}],
        "Object": [{"uuid": ids["object"], **NEW_OBJECT}],
    }
    event = _ok(owner.http.post("/events/add", json={"Event": body}))["Event"]
    ids |= {"attribute_id": event["Attribute"][0]["id"], "object_id": event["Object"][0]["id"]}
    _ok(owner.http.post(f"/attributes/delete/{ids['attribute']}"))
    _ok(owner.http.post(f"/objects/delete/{ids['object']}"))
    return ids | {"value": "198.51.100.97"}


def _absent() -> Ids:
    """Identifiers of nothing: random UUIDs, ids past every row, a value nobody holds."""
    ids = {k: str(uuid.uuid4()) for k in ("event", "attribute", "object", "reference")}
    ids |= {k: str(uuid.uuid4()) for k in ("sighting", "rsid", "policy", "sg_uuid", "server_uuid")}
    ids |= {"report": str(uuid.uuid4())}
    ids |= {k: str(900_000 + n) for n, k in enumerate(
        ("event_id", "attribute_id", "object_id", "user_id", "sg_id", "server_id", "org_id",
         "report_id", "proposal_id")
    )}  # fmt: skip
    return ids | {"value": "198.51.100.98", "sg_name": f"no group {uuid.uuid4()}"}


@pytest.fixture
def world(server: LiveServer) -> Iterator[World]:
    server.platform.trust.issuer = server.url
    owner = member(server, "CERT-A")
    probers = [member(server, "CERT-B"), member(server, "CERT-C", role_id=ORG_ADMIN_ROLE_ID)]
    hidden = _hidden_event(owner)
    deleted = _deleted_content(owner)
    me = _ok(owner.http.get("/users/view/me"))["User"]
    hidden |= {"user_id": me["id"], "org_id": str(owner.org_id)}
    with api(server.url, server.admin_key) as admin:
        sg = _ok(admin.post("/sharing_groups/add", json={"SharingGroup": {"name": "A-ONLY"}}))
        group = sg["SharingGroup"]
        _ok(
            admin.post("/sharingGroups/addOrg", json={"sg_id": group["id"], "org_id": owner.org_id})
        )
        remote = {"url": "https://remote.example", "name": "remote", "authkey": "k" * 40,
                  "uuid": str(uuid.uuid4())}  # fmt: skip
        server_row = _ok(admin.post("/servers/add", json={"Server": remote}))["Server"]
    hidden |= {"sg_id": group["id"], "sg_uuid": group["uuid"], "sg_name": group["name"]}
    hidden |= {"server_id": server_row["id"], "server_uuid": server_row["uuid"]}
    sets = {"organisation-only": hidden, "deleted": deleted}
    yield World(server, probers, sets, _absent())
    for m in (owner, *probers):
        m.http.close()


# --- comparing answers ----------------------------------------------------------------

#: Headers whose value must be equal (others, such as the date, may differ).
HEADERS = ("content-type", "www-authenticate", "allow", "location", "cache-control")


def _mask(text: str, path: str, template: str, refs: list[str]) -> str:
    """``text`` with the request's ``path`` (echoed in ``url``) put back as its
    ``template``, each other echo of ``refs`` replaced by ``<ref>`` (ids only where no
    path could hold them), and permission tickets (random per challenge) by
    ``<ticket>``."""
    text = text.replace(path, template)
    for ref in sorted(refs, key=len, reverse=True):
        before = r"[\w/:.-]" if ref.isdigit() else r"[\w-]"
        text = re.sub(rf"(?<!{before}){re.escape(ref)}(?![\w-])", "<ref>", text)
    return re.sub(r'ticket="[^"]*"', 'ticket="<ticket>"', text)


def answer(r: httpx.Response, probe: Probe, ids: Ids) -> tuple[int, str, dict[str, str]]:
    """What of a response to ``probe`` (naming ``ids``) must not differ between hidden
    and absent."""
    path, refs = probe.fill(ids)[0], _used(probe, ids)
    headers = {h: _mask(r.headers[h], path, probe.path, refs) for h in HEADERS if h in r.headers}
    return r.status_code, _mask(r.text, path, probe.path, refs), headers


def _used(probe: Probe, ids: Ids) -> list[str]:
    return [ids[n] for n in probe.names() if n in ids]


def ask(world: World, who: Member, method: str, probe: Probe, ids: Ids) -> httpx.Response:
    """Send ``probe`` naming ``ids`` (as ``who``, or without a key)."""
    path, body = probe.fill(ids)
    client = who.http if probe.auth else httpx.Client(base_url=world.server.url)
    try:
        return client.request(method, path, json=body)
    finally:
        if not probe.auth:
            client.close()


# --- the tests ------------------------------------------------------------------------


def test_every_route_is_probed_or_excused(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=sqlite_url, data_dir=tmp_path))
    routes = {
        (method, rc.path)
        for rc in iter_route_contexts(app.routes)
        for method in (getattr(rc, "methods", None) or ())
    }
    assert not set(PROBES) & set(NOT_PROBED)
    assert routes - set(PROBES) - set(NOT_PROBED) == set(), "new routes: probe or excuse them"
    assert set(PROBES) | set(NOT_PROBED) <= routes, "routes that are gone"


def test_hidden_answers_as_absent_on_every_route(world: World) -> None:
    differences, probed = [], 0
    for who, (kind, hidden) in itertools.product(world.probers, world.hidden.items()):
        own = {"prober_org": str(who.org_id)}
        hidden_ids, absent_ids = hidden | own, world.absent | own
        for (method, _route), probes in PROBES.items():
            for probe in (pr for pr in probes if set(pr.names()) <= hidden_ids.keys()):
                probed += 1
                got = answer(ask(world, who, method, probe, hidden_ids), probe, hidden_ids)
                want = answer(ask(world, who, method, probe, absent_ids), probe, absent_ids)
                if got != want:
                    differences.append(
                        f"{who.org_name}, {kind}: {method} {probe.path} {probe.body}:"
                        f"\n  hidden {got}\n  absent {want}"
                    )
    assert not differences, "\n".join(differences)
    assert probed > 2 * sum(len(p) for p in PROBES.values())  # both probers, both sets
    # CERT-A's event came through every write probe untouched.
    with api(world.server.url, world.server.admin_key) as admin:
        ref = world.hidden["organisation-only"]["event"]
        event = _ok(admin.get(f"/events/view/{ref}"))["Event"]
    assert event["info"] == "CERT-A only"
    assert (len(event["Attribute"]), len(event["Object"])) == (1, 1)
