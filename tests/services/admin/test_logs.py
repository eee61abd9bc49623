"""MISP's log of user actions (``admin/logs/index``, PyMISP's ``search_logs``) on the
live server (SQLite and PostgreSQL): entries come from real actions (users added,
edited, deleted, passwords and server settings changed), in the action's transaction;
MISP's filters; who reads what (site admin: all, org admin: its organisation, others:
their own, no ``perm_audit``: MISP's ACL refusal)."""

from __future__ import annotations

import time

from pymisp import MISPLog, PyMISP

from tests.services.admin.test_users import SITE_ADMIN_ID, World, assert_error, world
from threatmesh.model.errors import ACL_REFUSAL

__all__ = ["world"]  # the fixture, used by name


def _pymisp(world: World, key: str) -> PyMISP:
    return PyMISP(world.server.url, key, ssl=False, timeout=60)


def _logs(misp: PyMISP, **filters: object) -> list[MISPLog]:
    """PyMISP's ``search_logs``; with ``model_id`` (a MISP filter PyMISP does not
    name) the same request through ``direct_call``."""
    if "model_id" not in filters:
        found = misp.search_logs(pythonify=True, **filters)  # type: ignore[arg-type]
        assert isinstance(found, list), found
        return found
    raw = misp.direct_call("admin/logs/index", filters)
    assert isinstance(raw, list), raw
    return [MISPLog(**entry) for entry in raw]


def test_actions_leave_misp_log_entries(world: World) -> None:
    admin = _pymisp(world, world.server.admin_key)
    plain = world.add("plain@h.test", "1", 3)
    r = world.admin.post(f"/admin/users/edit/{plain.id}", json={"User": {"role_id": 4}})
    assert r.status_code == 200, r.text
    assert _pymisp(world, plain.key).change_user_password("Password1234")["saved"] is True
    assert admin.set_server_setting("MISP.delegation", True, force=True)["saved"] is True
    users = _logs(admin, model="User", model_id=plain.id)
    assert [(e.action, e.title) for e in users] == [
        ("add", f"User ({plain.id}): plain@h.test"),
        ("edit", f"User ({plain.id}): plain@h.test"),
        ("change_pw", f"User ({plain.id}): plain@h.test"),
    ]
    assert "role_id (3) => (4)" in users[1].change
    assert users[2].change.startswith("password (*****) => (*****)")
    assert users[2].email == "plain@h.test" and users[0].email == "admin@admin.test"
    assert {e.org for e in users} == {"ADMIN-ORG"}
    server = _logs(admin, model="Server", action="serverSettingsEdit")
    assert [e.change for e in server] == ["MISP.delegation (false) => (true)"]
    assert server[0].title == "Server setting changed" and server[0].user_id == SITE_ADMIN_ID
    world.admin.post(f"/admin/users/delete/{plain.id}")
    assert [e.action for e in _logs(admin, model_id=plain.id)][-1] == "delete"
    # threatmesh sends no e-mail, so there is no "email" entry (test_user_settings's search).
    assert _logs(admin, model="User", action="email") == []


def test_a_refused_action_leaves_no_entry(world: World) -> None:
    admin = _pymisp(world, world.server.admin_key)
    oa = world.add("oa@h.test", "1", 2)
    before = len(_logs(admin))
    path = f"/admin/users/edit/{SITE_ADMIN_ID}"
    assert_error(oa.http.post(path, json={"User": {"email": "x@h.test"}}), 403, path)
    bad = world.admin.post("/admin/users/edit/" + oa.id, json={"User": {"role_id": 999}})
    assert bad.status_code == 400, bad.text
    assert len(_logs(admin)) == before


def test_filters(world: World) -> None:
    admin = _pymisp(world, world.server.admin_key)
    for i in range(3):
        world.add(f"user{i}@h.test", "1", 3)
    added = _logs(admin, model="User", action="add")
    assert [e.title.split(": ")[1] for e in added] == [f"user{i}@h.test" for i in range(3)]
    assert [e.id for e in _logs(admin, action="add", limit=2, page=2)] == [added[2].id]
    assert _logs(admin, title="%user1@%")[0].id == added[1].id
    assert len(_logs(admin, action=["add", "nothing"])) == 3
    assert len(_logs(admin, email="admin@admin.test", action="add")) == 3
    assert len(_logs(admin, org="ADMIN-ORG", action="add")) == 3
    now = int(time.time())
    assert len(_logs(admin, action="add", created=now - 3600)) == 3
    assert len(_logs(admin, action="add", created="1d")) == 3
    assert _logs(admin, action="add", created=now + 3600) == []
    assert len(_logs(admin, action="add", created=[now + 3600, now - 3600])) == 3
    shape = admin.search_logs(action="add", limit=1)
    assert isinstance(shape, list) and set(shape[0]["Log"]) == {
        "id", "title", "created", "model", "model_id", "action", "user_id", "change",
        "email", "org", "description", "ip",
    }  # fmt: skip
    bad_filters = [{"created": "yesterday-ish"}, {"created": "1e400"}, {"limit": 0}]
    bad_filters += [{"model_id": "x"}, {"limit": 10, "page": 2**62}, {"title": {"a": 1}}]
    for bad in bad_filters:
        r = world.admin.post("/admin/logs/index", json=bad)
        assert_error(r, 400, "/admin/logs/index")
    r = world.admin.get("/admin/logs/index/title:a%00b")
    assert_error(r, 400, "/admin/logs/index/title:a\x00b")  # the URL as decoded


def test_who_reads_what(world: World) -> None:
    oa_b = world.add("oa@b.test", world.org_b, 2)
    plain_b = world.add("plain@b.test", world.org_b, 3)
    world.add("plain@h.test", "1", 3)  # an entry of ADMIN-ORG
    r = oa_b.http.post(f"/admin/users/edit/{plain_b.id}", json={"User": {"autoalert": True}})
    assert r.status_code == 200, r.text
    assert _pymisp(world, plain_b.key).change_user_password("Password1234")["saved"] is True
    # The org admin reads its organisation's entries, the user its own.
    org_entries = _logs(_pymisp(world, oa_b.key))
    assert {e.org for e in org_entries} == {"ORG-B"}
    assert [e.action for e in org_entries] == ["edit", "change_pw"]
    own = _logs(_pymisp(world, plain_b.key))
    assert [(e.action, e.user_id) for e in own] == [("change_pw", plain_b.id)]
    assert _logs(_pymisp(world, plain_b.key), user_id=oa_b.id) == []  # absent, not refused
    # A role without perm_audit gets MISP's ACL refusal.
    role = world.admin.post(
        "/admin/roles/add", json={"Role": {"name": "noaudit", "perm_auth": True}}
    )
    assert role.status_code == 200, role.text
    mute = world.add("mute@b.test", world.org_b, int(role.json()["Role"]["id"]))
    r = mute.http.post("/admin/logs/index", json={})
    assert_error(r, 403, "/admin/logs/index")
    assert r.json()["message"] == ACL_REFUSAL
