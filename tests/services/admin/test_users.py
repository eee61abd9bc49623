"""Who may see, add, delete and create API keys for which user, on the live server
(SQLite and PostgreSQL), with httpx and PyMISP.

Issue 14, item 1 (outside security review): an org admin of the site admin's own
organisation created an API key for the site admin with ``auth_keys/add/1``, and that
key acted as a site admin. One rule now decides every such path
(``threatmesh.model.user_access``): a user the caller may not see answers 404 "Invalid
user.", a user it sees but may not manage answers 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
from pymisp import PyMISP, PyMISPUnexpectedResponse

from tests.support import LiveServer
from threatmesh.services.admin.passwords import password_matches
from threatmesh.storage.core.tables import auth_keys, users

SITE_ADMIN_ID = "1"  # the bootstrap admin of ADMIN-ORG (organisation 1)


def client(server: LiveServer, key: str) -> httpx.Client:
    headers = {"Authorization": key, "Accept": "application/json"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


@dataclass
class Account:
    id: str
    key: str
    http: httpx.Client


@dataclass
class World:
    server: LiveServer
    admin: httpx.Client
    org_b: str
    clients: list[httpx.Client] = field(default_factory=list)

    def add(self, email: str, org_id: str, role_id: int) -> Account:
        body = {"User": {"email": email, "org_id": org_id, "role_id": role_id}}
        r = self.admin.post("/admin/users/add", json=body)
        assert r.status_code == 200, r.text
        user = r.json()["User"]
        self.clients.append(client(self.server, user["authkey"]))
        return Account(user["id"], user["authkey"], self.clients[-1])


@pytest.fixture
def world(server: LiveServer) -> Iterator[World]:
    with client(server, server.admin_key) as admin:
        r = admin.post("/admin/organisations/add", json={"name": "ORG-B"})
        assert r.status_code == 200, r.text
        w = World(server, admin, r.json()["Organisation"]["id"])
        yield w
        for c in w.clients:
            c.close()


def keys_of(server: LiveServer, user_id: str) -> int:
    with server.platform.engine.connect() as conn:
        q = sa.select(sa.func.count()).where(auth_keys.c.user_id == int(user_id))
        return int(conn.execute(q).scalar_one())


def assert_error(r: httpx.Response, status: int, path: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"name", "message", "url"}
    assert body["url"] == path
    assert "authkey" not in r.text


def test_issue14_org_admin_cannot_create_a_key_for_the_site_admin(world: World) -> None:
    """The reviewer's reproduction: it answered 200 with ``authkey_raw``."""
    oa = world.add("oa@h.test", "1", 2)
    before = keys_of(world.server, SITE_ADMIN_ID)
    r = oa.http.post(f"/auth_keys/add/{SITE_ADMIN_ID}")
    assert_error(r, 403, f"/auth_keys/add/{SITE_ADMIN_ID}")
    assert keys_of(world.server, SITE_ADMIN_ID) == before
    # The org admin sees the site admin of its organisation (as in MISP), so 403, not 404.
    assert oa.http.get(f"/users/view/{SITE_ADMIN_ID}").status_code == 200
    # Nor may it delete it.
    r = oa.http.post(f"/admin/users/delete/{SITE_ADMIN_ID}")
    assert_error(r, 403, f"/admin/users/delete/{SITE_ADMIN_ID}")
    assert world.admin.get(f"/users/view/{SITE_ADMIN_ID}").status_code == 200


def test_issue14_pymisp_org_admin_gets_no_site_admin_key(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    misp = PyMISP(world.server.url, oa.key, ssl=False, timeout=60)
    with pytest.raises(PyMISPUnexpectedResponse, match="403"):
        misp.get_new_authkey(SITE_ADMIN_ID)
    assert "errors" in misp.delete_user(SITE_ADMIN_ID)
    # Its own key still comes.
    own = misp.get_new_authkey("me")
    me = PyMISP(world.server.url, own, ssl=False, timeout=60).get_user("me")
    assert isinstance(me, dict) and me["User"]["id"] == oa.id


def test_issue14_org_admin_acts_only_as_users_below_it(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    peer = world.add("peer@h.test", "1", 2)
    sync = world.add("sync@h.test", "1", 5)
    plain = world.add("plain@h.test", "1", 3)
    for target in (peer, sync):
        assert_error(
            oa.http.post(f"/auth_keys/add/{target.id}"), 403, f"/auth_keys/add/{target.id}"
        )
    r = oa.http.post(f"/auth_keys/add/{plain.id}")
    assert r.status_code == 200, r.text
    new_key = r.json()["AuthKey"]["authkey_raw"]
    with client(world.server, new_key) as as_plain:
        me = as_plain.get("/users/view/me").json()
    assert me["User"]["id"] == plain.id
    assert me["Role"]["perm_admin"] is False


def test_issue14_other_organisations_users_do_not_exist_for_an_org_admin(world: World) -> None:
    oa_b = world.add("oa@b.test", world.org_b, 2)
    plain_a = world.add("plain@a.test", "1", 3)
    for target in (SITE_ADMIN_ID, plain_a.id, "99999"):
        for method, path in (
            ("POST", f"/auth_keys/add/{target}"),
            ("GET", f"/users/view/{target}"),
            ("GET", f"/admin/users/view/{target}"),
            ("POST", f"/admin/users/delete/{target}"),
        ):
            r = oa_b.http.request(method, path)
            assert_error(r, 404, path)
            assert r.json()["message"] == "Invalid user."
    listed = {u["User"]["id"] for u in oa_b.http.get("/admin/users/index").json()}
    assert listed == {oa_b.id}


def test_issue14_org_admin_adds_users_only_below_it_and_in_its_organisation(
    world: World,
) -> None:
    oa = world.add("oa@h.test", "1", 2)
    for role_id in (1, 5):  # site admin, sync user: permissions an org admin lacks
        body = {"email": f"r{role_id}@h.test", "org_id": "1", "role_id": role_id}
        assert_error(oa.http.post("/admin/users/add", json=body), 403, "/admin/users/add")
    # Another organisation, existing or not, answers the same.
    for org_id in (world.org_b, "99999"):
        body = {"email": f"o{org_id}@h.test", "org_id": org_id, "role_id": 3}
        assert_error(oa.http.post("/admin/users/add", json=body), 403, "/admin/users/add")
    for role_id in (2, 3, 4, 6):
        body = {"email": f"ok{role_id}@h.test", "org_id": "1", "role_id": role_id}
        r = oa.http.post("/admin/users/add", json=body)
        assert r.status_code == 200, r.text
    listed = world.admin.get("/admin/users/index").json()
    emails = {u["User"]["email"] for u in listed}
    assert not {"r1@h.test", "r5@h.test"} & emails


def test_org_admin_deletes_users_of_its_organisation_below_it(world: World) -> None:
    """MISP gives ``admin/users/delete`` to org admins (``perm_admin``), for users of
    their organisation that are not site admins; here also not sync users."""
    oa = world.add("oa@h.test", "1", 2)
    plain = world.add("plain@h.test", "1", 3)
    sync = world.add("sync@h.test", "1", 5)
    assert_error(
        oa.http.post(f"/admin/users/delete/{sync.id}"), 403, f"/admin/users/delete/{sync.id}"
    )
    r = oa.http.post(f"/admin/users/delete/{plain.id}")
    assert r.status_code == 200, r.text
    assert world.admin.get(f"/users/view/{plain.id}").status_code == 404
    assert plain.http.get("/users/view/me").status_code in (401, 403)


def test_users_without_admin_rights_reach_only_themselves(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    other = world.add("other@h.test", "1", 3)
    assert plain.http.get(f"/users/view/{plain.id}").status_code == 200
    for path in (f"/auth_keys/add/{other.id}", f"/auth_keys/add/{SITE_ADMIN_ID}"):
        assert_error(plain.http.post(path), 404, path)
    assert_error(plain.http.get(f"/users/view/{other.id}"), 404, f"/users/view/{other.id}")
    path = f"/admin/users/delete/{other.id}"
    assert_error(plain.http.post(path), 403, path)
    assert plain.http.post("/auth_keys/add/me").status_code == 200


def test_site_admin_manages_everyone(world: World) -> None:
    oa_b = world.add("oa@b.test", world.org_b, 2)
    r = world.admin.post(f"/auth_keys/add/{oa_b.id}")
    assert r.status_code == 200, r.text
    assert world.admin.post(f"/admin/users/delete/{oa_b.id}").status_code == 200


def test_add_keeps_every_field_it_is_given(world: World) -> None:
    """MISP's ``admin/users/add`` fields are stored, not silently dropped; a password
    below the policy is refused and adds nobody."""
    body = {
        "User": {
            "email": "flags@b.test",
            "org_id": world.org_b,
            "role_id": 3,
            "autoalert": True,
            "contactalert": "1",
            "termsaccepted": 1,
            "gpgkey": "-----BEGIN PGP PUBLIC KEY BLOCK-----",
            "password": "Correct-Horse-Battery-9",
        }
    }
    r = world.admin.post("/admin/users/add", json=body)
    assert r.status_code == 200, r.text
    shown = world.admin.get(f"/users/view/{r.json()['User']['id']}").json()["User"]
    assert (shown["autoalert"], shown["contactalert"], shown["termsaccepted"]) == (
        True,
        True,
        True,
    )
    with world.server.platform.engine.connect() as conn:
        q = sa.select(users.c.password, users.c.gpgkey).where(users.c.email == "flags@b.test")
        stored, gpgkey = conn.execute(q).one()
    assert password_matches(stored, "Correct-Horse-Battery-9")
    assert gpgkey == "-----BEGIN PGP PUBLIC KEY BLOCK-----"
    weak = {"User": {**body["User"], "email": "weak@b.test", "password": "short"}}
    refused = world.admin.post("/admin/users/add", json=weak)
    assert refused.status_code == 400 and "password" in refused.json()["message"]
    listed = world.admin.get("/admin/users/index").json()
    assert "weak@b.test" not in str(listed)
