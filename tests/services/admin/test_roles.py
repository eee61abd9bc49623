"""Roles (``admin/roles/add|edit|delete|set_default``) on the live server (SQLite and
PostgreSQL) with PyMISP: site admins only, MISP's answers."""

from __future__ import annotations

from pymisp import MISPRole, PyMISP

from tests.services.admin.test_users import World, assert_error, world
from threatmesh.model.errors import ACL_REFUSAL

__all__ = ["world"]


def test_site_admin_adds_edits_and_deletes_roles(world: World) -> None:
    admin = PyMISP(world.server.url, world.server.admin_key, ssl=False, timeout=60)
    role = MISPRole()
    role.name = "testrole"
    made = admin.add_role(role, pythonify=True)
    assert made.perm_sighting is False
    made.perm_sighting = True
    made.max_execution_time = 1234
    updated = admin.update_role(made, pythonify=True)
    assert updated.perm_sighting is True and updated.max_execution_time == "1234"
    assert admin.set_default_role(made.id)["message"] == "Default role set."
    new = world.add("fresh@h.test", "1", 0)  # role_id 0: the default role
    assert world.admin.get(f"/users/view/{new.id}").json()["Role"]["name"] == "testrole"
    busy = admin.delete_role(made)
    assert busy["errors"][0] == 409
    assert admin.set_default_role(3)["message"] == "Default role set."
    world.admin.post(f"/admin/users/delete/{new.id}")
    assert admin.delete_role(made)["message"] == "Role deleted."
    assert "errors" in admin.delete_role(made)


def test_org_admins_get_misps_acl_refusal(world: World) -> None:
    oa = world.add("oa@h.test", "1", 2)
    for path, body in (
        ("/admin/roles/add", {"Role": {"name": "mine", "perm_site_admin": True}}),
        ("/admin/roles/edit/2", {"Role": {"perm_site_admin": True}}),
        ("/admin/roles/set_default/1", None),
        ("/admin/roles/delete/3", None),
    ):
        r = oa.http.post(path, json=body)
        assert_error(r, 403, path)
        assert r.json()["message"] == ACL_REFUSAL
    role = world.admin.get("/roles/index").json()[1]["Role"]
    assert role["id"] == "2" and role["perm_site_admin"] is False
