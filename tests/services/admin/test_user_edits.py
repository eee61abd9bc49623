"""Changing users (``admin/users/edit``, ``users/edit``, ``users/change_pw``) on the
live server (SQLite and PostgreSQL), with httpx and PyMISP: the issue-14 rule holds on
every edit (an org admin neither raises a role above its own nor edits a site admin,
and does not reach other organisations' users)."""

from __future__ import annotations

from pymisp import PyMISP

from tests.services.admin.test_users import SITE_ADMIN_ID, World, assert_error, world
from threatmesh.model.errors import ACL_REFUSAL

__all__ = ["world"]  # the fixture, used by name


def _role_of(world: World, user_id: str) -> str:
    return str(world.admin.get(f"/users/view/{user_id}").json()["User"]["role_id"])


def test_org_admin_cannot_raise_a_user_above_its_own_role(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    plain = world.add("plain@h.test", "1", 3)
    for role_id in (1, 5):  # site admin, sync user
        path = f"/admin/users/edit/{plain.id}"
        r = oa.http.post(path, json={"User": {"role_id": role_id}})
        assert_error(r, 403, path)
        assert r.json()["message"] == "You are not authorised to assign that role to a user."
        assert _role_of(world, plain.id) == "3"
    # Nor itself.
    r = oa.http.post(f"/admin/users/edit/{oa.id}", json={"role_id": 1})
    assert_error(r, 403, f"/admin/users/edit/{oa.id}")
    assert _role_of(world, oa.id) == "2"
    # A role within its own is fine.
    r = oa.http.post(f"/admin/users/edit/{plain.id}", json={"role_id": 4, "autoalert": True})
    assert r.status_code == 200, r.text
    assert r.json()["User"]["role_id"] == "4" and r.json()["User"]["autoalert"] is True


def test_org_admin_cannot_edit_a_site_admin_nor_other_organisations(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    path = f"/admin/users/edit/{SITE_ADMIN_ID}"
    r = oa.http.post(path, json={"email": "taken@h.test", "role_id": 3})
    assert_error(r, 403, path)
    me = world.admin.get(f"/users/view/{SITE_ADMIN_ID}").json()["User"]
    assert me["email"] != "taken@h.test" and me["role_id"] == "1"
    other = world.add("b@b.test", world.org_b, 3)
    for target in (other.id, "99999"):
        path = f"/admin/users/edit/{target}"
        r = oa.http.post(path, json={"disabled": True})
        assert_error(r, 404, path)
        assert r.json()["message"] == "Invalid user."
    assert world.admin.get(f"/users/view/{other.id}").json()["User"]["disabled"] is False


def test_org_admin_cannot_move_a_user_to_another_organisation(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    plain = world.add("plain@h.test", "1", 3)
    r = oa.http.post(f"/admin/users/edit/{plain.id}", json={"org_id": world.org_b})
    assert r.status_code == 200, r.text
    assert r.json()["User"]["org_id"] == "1"  # ignored, as MISP ignores it
    r = world.admin.post(f"/admin/users/edit/{plain.id}", json={"org_id": world.org_b})
    assert r.json()["User"]["org_id"] == world.org_b


def test_users_without_admin_rights_edit_only_their_profile(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    other = world.add("other@h.test", "1", 3)
    path = f"/admin/users/edit/{other.id}"
    r = plain.http.post(path, json={"disabled": True})
    assert_error(r, 403, path)
    assert r.json()["message"] == ACL_REFUSAL
    assert_error(
        plain.http.post(f"/users/edit/{other.id}", json={}), 404, f"/users/edit/{other.id}"
    )
    r = plain.http.post(f"/users/edit/{plain.id}", json={"autoalert": True, "role_id": 1,
                                                          "org_id": world.org_b})  # fmt: skip
    assert r.status_code == 200, r.text
    user = r.json()["User"]
    assert user["autoalert"] is True and user["role_id"] == "3" and user["org_id"] == "1"


def test_pymisp_updates_users_and_passwords(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    admin = PyMISP(world.server.url, world.server.admin_key, ssl=False, timeout=60)
    user = admin.get_user(plain.id, pythonify=True)
    user.email = "renamed@h.test"
    assert admin.update_user(user, pythonify=True).email == "renamed@h.test"
    own = PyMISP(world.server.url, plain.key, ssl=False, timeout=60)
    assert own.change_user_password("Password1234")["message"] == "Password Changed."
    again = own.change_user_password("Password1234")
    assert "errors" in again and again["errors"][0] == 400
    short = own.change_user_password("short")
    assert "errors" in short and short["errors"][0] == 400
    found = admin.users(search="renamed@", pythonify=True)
    assert [u.email for u in found] == ["renamed@h.test"]
    assert admin.users(search="renamed@", organisation=world.org_b) == []
    listed = admin.users(search="renamed@")
    assert listed[0]["Organisation"]["name"] and listed[0]["Role"]["name"] == "User"


def test_camel_case_aliases_keep_the_rule(world: World) -> None:
    """``authKeys/add`` and ``sharingGroups/edit`` (MISP's camelCase routes) answer as
    their snake_case twins: an org admin gets no key for the site admin."""
    oa = world.add("oa@h.test", "1", 2)
    path = f"/authKeys/add/{SITE_ADMIN_ID}"
    assert_error(oa.http.post(path), 403, path)
    assert oa.http.post(f"/authKeys/add/{oa.id}").status_code == 200
    sg = world.admin.post("/sharingGroups/add", json={"name": "CAMEL"}).json()["SharingGroup"]
    r = world.admin.post(f"/sharingGroups/edit/{sg['uuid']}", json={"releasability": "x"})
    assert r.status_code == 200 and r.json()["SharingGroup"]["releasability"] == "x"
    assert r.json()["SharingGroupOrg"] == []  # MISP adds no member, not even the creator
    # An org admin of another organisation, not in the group: as if it did not exist.
    oa_b = world.add("oa@b.test", world.org_b, 2)
    path = f"/sharingGroups/edit/{sg['id']}"
    assert_error(oa_b.http.post(path, json={"name": "mine"}), 404, path)
    world.admin.post("/sharingGroups/addOrg", json={"sg_id": sg["id"], "org_id": world.org_b})
    assert_error(oa_b.http.post(path, json={"name": "mine"}), 403, path)  # member, not owner
