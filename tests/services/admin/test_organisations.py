"""Deleting an organisation, on the live server (SQLite and PostgreSQL), with httpx.

Issue 14, item 2 (outside security review): ``admin/organisations/delete`` of an
organisation with reputation evidence answered 500 (the foreign key from
``reputation_evidence.subject_org_id``). Each kind of row that can name an organisation
is made here through the API; the delete either removes it in the same transaction or
is refused with a 409 that says what is left (``threatmesh.storage.directory.org_references``).
Never a 500, and never a row left naming a deleted organisation.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support import LiveServer
from threatmesh.storage.core.tables import organisations
from threatmesh.storage.directory.org_references import BLOCKING, REMOVED
from threatmesh.storage.uma.tables import uma_policies

VALUE = "198.51.100.14"


@dataclass
class Org:
    id: str
    uuid: str
    name: str


@dataclass
class World:
    server: LiveServer
    admin: httpx.Client
    clients: list[httpx.Client] = field(default_factory=list)

    def org(self, name: str) -> Org:
        r = self.admin.post("/admin/organisations/add", json={"Organisation": {"name": name}})
        assert r.status_code == 200, r.text
        o = r.json()["Organisation"]
        return Org(o["id"], o["uuid"], name)

    def user(self, org: Org, role_id: int = 3) -> tuple[str, httpx.Client]:
        email = f"u{uuid.uuid4().hex[:8]}@{org.name.lower()}.test"
        body = {"User": {"email": email, "org_id": org.id, "role_id": role_id}}
        r = self.admin.post("/admin/users/add", json=body)
        assert r.status_code == 200, r.text
        user = r.json()["User"]
        http = httpx.Client(
            base_url=self.server.url,
            headers={"Authorization": user["authkey"], "Accept": "application/json"},
            timeout=60,
        )
        self.clients.append(http)
        return user["id"], http

    def delete_user(self, user_id: str) -> None:
        r = self.admin.post(f"/admin/users/delete/{user_id}")
        assert r.status_code == 200, r.text

    def delete_org(self, org: Org) -> httpx.Response:
        return self.admin.post(f"/admin/organisations/delete/{org.uuid}")

    def event(self, http: httpx.Client, value: str = VALUE) -> dict[str, Any]:
        event = {"info": "org delete", "distribution": 1,
                 "Attribute": [{"type": "ip-dst", "value": value}]}  # fmt: skip
        r = http.post("/events/add", json={"Event": event})
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()["Event"]
        return found


@pytest.fixture
def world(server: LiveServer) -> Iterator[World]:
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": server.admin_key, "Accept": "application/json"},
        timeout=60,
    ) as admin:
        w = World(server, admin)
        yield w
        for c in w.clients:
            c.close()


def naming(server: LiveServer, org: Org) -> dict[str, int]:
    """``table.column: rows`` of every catalogued reference still naming ``org``."""
    counts = {}
    with server.platform.engine.connect() as conn:
        for column in [b.column for b in BLOCKING] + list(REMOVED):
            ident: Any = org.uuid if column.name == "ident" else int(org.id)
            q = sa.select(sa.func.count()).select_from(column.table).where(column == ident)
            n = int(conn.execute(q).scalar_one())
            if n:
                counts[f"{column.table.name}.{column.name}"] = n
    return counts


def assert_deleted(world: World, org: Org) -> None:
    r = world.delete_org(org)
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Organisation deleted"
    assert world.admin.get(f"/organisations/view/{org.uuid}").status_code == 404
    assert naming(world.server, org) == {}
    with world.server.platform.engine.connect() as conn:
        q = sa.select(organisations.c.id).where(organisations.c.uuid == org.uuid)
        assert conn.execute(q).first() is None


def assert_refused(world: World, org: Org, *what: str) -> None:
    r = world.delete_org(org)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["url"] == f"/admin/organisations/delete/{org.uuid}"
    for w in what:
        assert w in body["message"], body["message"]
    assert world.admin.get(f"/organisations/view/{org.uuid}").status_code == 200


def test_issue14_organisation_with_reputation_evidence_is_deleted(world: World) -> None:
    """The reviewer's case: evidence about the organisation (it reported an indicator
    another organisation also reports) made the delete answer 500."""
    world.event(world.admin)
    x = world.org("EVIDENCED")
    uid, http = world.user(x)
    event = world.event(http)
    rep = world.admin.get(f"/reputation/organisations/{x.uuid}")
    assert rep.status_code == 200, rep.text
    assert naming(world.server, x).get("reputation_evidence.subject_org_id") == 1
    assert naming(world.server, x).get("reputation_evidence.source_org_id") == 1
    assert http.post(f"/events/delete/{event['uuid']}").status_code == 200
    world.delete_user(uid)
    assert_deleted(world, x)
    assert world.admin.get("/reputation/organisations").status_code == 200


def test_users_and_events_keep_their_organisation(world: World) -> None:
    """MISP's ``Organisation::beforeDelete``; the answer now says what is left."""
    x = world.org("BUSY")
    uid, http = world.user(x)
    event = world.event(http)
    assert_refused(world, x, "users (1)", "events it owns (1)", "events it created (1)")
    world.delete_user(uid)
    assert_refused(world, x, "events it owns (1)", "events it created (1)")
    assert world.admin.post(f"/events/delete/{event['uuid']}").status_code == 200
    assert_deleted(world, x)


def test_issue14_sightings_go_with_their_organisation(world: World) -> None:
    """Every read joins a sighting to its organisation, so a deleted organisation's
    sightings could not be shown; kept, they went to the next organisation that got
    the same id (SQLite reuses the id of a deleted last row)."""
    event = world.event(world.admin)
    x = world.org("SIGHTER")
    uid, http = world.user(x)
    r = http.post("/sightings/add", json={"uuid": event["Attribute"][0]["uuid"]})
    assert r.status_code == 200, r.text
    world.delete_user(uid)
    assert_deleted(world, x)
    successor = world.org("SUCCESSOR")
    found = world.admin.post("/sightings/restSearch", json={"org_id": successor.id})
    assert found.status_code == 200, found.text
    assert found.json() == []


def test_issue14_uma_resources_and_policies_go_with_their_organisation(world: World) -> None:
    x = world.org("PRODUCER")
    uid, http = world.user(x)
    event = world.event(http)
    r = http.post("/uma/policies", json={"event": event["uuid"], "scopes": ["read"]})
    assert r.status_code == 201, r.text
    r = http.post("/uma/resources", json={"type": "tag", "ref": "tlp:red"})
    assert r.status_code == 201, r.text
    assert http.post(f"/events/delete/{event['uuid']}").status_code == 200
    world.delete_user(uid)
    assert naming(world.server, x) == {"uma_resources.owner_org_id": 2}
    assert_deleted(world, x)
    with world.server.platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(uma_policies)).scalar() == 0


def test_blind_index_keys_and_memberships_go_with_their_organisation(world: World) -> None:
    x = world.org("INDEXER")
    uid, http = world.user(x)
    envelope = {
        "v": 1,
        "scheme": "fame-bls12-381",
        "epoch": 1,
        "policy": "org:INDEXER",
        "abe": base64.b64encode(b"\x01" * 32).decode(),
        "nonce": base64.b64encode(b"\x02" * 12).decode(),
        "body": base64.b64encode(b"\x03" * 48).decode(),
    }
    r = http.post("/protected/index_keys", json={"Protected": envelope})
    assert r.status_code == 200, r.text
    sg = world.admin.post("/sharing_groups/add", json={"name": "WITH-INDEXER"})
    assert sg.status_code == 200, sg.text
    sg_id = sg.json()["SharingGroup"]["id"]
    r = world.admin.post("/sharingGroups/addOrg", json={"sg_id": sg_id, "org_id": x.uuid})
    assert r.status_code == 200, r.text
    world.delete_user(uid)
    assert naming(world.server, x) == {
        "abe_index_keys.org_id": 1,
        "sharing_group_orgs.org_id": 1,
    }
    assert_deleted(world, x)
    members = world.admin.get(f"/sharing_groups/view/{sg_id}").json()["SharingGroupOrg"]
    assert x.uuid not in {m["Organisation"]["uuid"] for m in members}


def test_issue14_a_sharing_group_owner_is_refused_until_the_group_goes(world: World) -> None:
    x = world.org("SG-OWNER")
    uid, http = world.user(x, role_id=2)
    sg = http.post("/sharing_groups/add", json={"name": "OWNED"})
    assert sg.status_code == 200, sg.text
    world.delete_user(uid)
    assert_refused(world, x, "sharing groups it owns (1)")
    sg_id = sg.json()["SharingGroup"]["id"]
    assert world.admin.post(f"/sharingGroups/delete/{sg_id}").status_code == 200
    assert_deleted(world, x)


def test_issue14_a_sync_server_s_organisation_is_refused_until_the_server_goes(
    world: World,
) -> None:
    x = world.org("REMOTE")
    server = {"url": "https://misp.remote.test", "authkey": "k" * 40, "remote_org_id": x.id}
    r = world.admin.post("/servers/add", json={"Server": server})
    assert r.status_code == 200, r.text
    server_id = r.json()["Server"]["id"]
    assert_refused(world, x, "sync servers connecting to it (1)")
    assert world.admin.post(f"/servers/delete/{server_id}").status_code == 200
    assert_deleted(world, x)


def test_issue14_anonymizer_bindings_and_policies_refuse_until_removed(world: World) -> None:
    """A binding names the organisation by UUID: dropping it silently would let data
    leave unanonymized were the UUID to come back through sync."""
    x = world.org("ANON")
    uid, http = world.user(x, role_id=1)
    made = http.post("/anonymizer/policies", json={"name": "anon-owned"})
    assert made.status_code == 200, made.text
    body = {"kind": "organisation", "ident": x.uuid, "policy": "anon-owned"}
    assert world.admin.post("/anonymizer/bindings", json=body).status_code == 200
    world.delete_user(uid)
    assert_refused(
        world, x, "anonymization policies it owns (1)", "anonymization policy bindings (1)"
    )
    r = world.admin.delete(f"/anonymizer/bindings/organisation/{x.uuid}")
    assert r.status_code == 200, r.text
    assert_refused(world, x, "anonymization policies it owns (1)")
    assert world.admin.delete("/anonymizer/policies/anon-owned").status_code == 200
    assert_deleted(world, x)


def test_a_missing_organisation_is_404_and_a_plain_user_403(world: World) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    r = world.admin.post(f"/admin/organisations/delete/{missing}")
    assert r.status_code == 404, r.text
    x = world.org("KEPT")
    _, http = world.user(x)
    assert http.post(f"/admin/organisations/delete/{x.uuid}").status_code == 403
