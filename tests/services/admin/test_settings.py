"""Server settings, user settings, self-registration and MISP's diagnostics on the live
server (SQLite and PostgreSQL), with PyMISP and httpx."""

from __future__ import annotations

from pymisp import PyMISP, register_user

from tests.services.admin.test_users import World, assert_error, world
from threatmesh.model.errors import ACL_REFUSAL

__all__ = ["world"]


def _misp(world: World, key: str | None = None) -> PyMISP:
    return PyMISP(world.server.url, key or world.server.admin_key, ssl=False, timeout=60)


def test_server_settings_are_stored_and_site_admin_only(world: World) -> None:
    admin = _misp(world)
    final = {s["setting"]: s["value"] for s in admin.server_settings()["finalSettings"]}
    assert final["MISP.max_correlations_per_event"] == 5000
    assert admin.set_server_setting("MISP.max_correlations_per_event", 10)["message"] == (
        "Field updated"
    )
    assert admin.get_server_setting("MISP.max_correlations_per_event")["value"] == 10
    assert admin.set_server_setting("MISP.live", False, force=True)["saved"] is True
    assert admin.get_server_setting("MISP.live")["value"] is False
    unknown = admin.get_server_setting("Plugin.nothing_here")
    assert unknown["errors"][0] == 404
    bad = admin.set_server_setting("MISP.max_correlations_per_event", "many")
    assert bad["errors"][0] == 400
    oa = world.add("oa@h.test", "1", 2)
    for method, path in (
        ("GET", "/servers/serverSettings"),
        ("GET", "/servers/getSetting/MISP.live"),
        ("POST", "/servers/serverSettingsEdit/MISP.live"),
        ("GET", "/servers/dbSchemaDiagnostic"),
        ("GET", "/events/queryACL/findMissingFunctionNames"),
    ):
        r = oa.http.request(method, path, json={"value": True})
        assert_error(r, 403, path)
        assert r.json()["message"] == ACL_REFUSAL
    assert admin.get_server_setting("MISP.live")["value"] is False


def test_db_schema_and_acl_diagnostics(world: World) -> None:
    admin = _misp(world)
    diag = admin.db_schema_diagnostic()
    assert diag["actual_db_version"] == diag["expected_db_version"]
    assert diag["diagnostic"] == {}
    assert admin.remote_acl() == []


def test_registration_waits_for_a_site_admin(world: World) -> None:
    url = world.server.url
    closed = register_user(url, "early@h.test", verify=False)
    assert closed["name"] == "Method not allowed"
    admin = _misp(world)
    admin.set_server_setting("Security.allow_self_registration", True, force=True)
    assert register_user(url, "me@h.test", org_name="H", verify=False)["saved"] is True
    assert register_user(url, "gone@h.test", verify=False)["saved"] is True
    waiting = admin.user_registrations(pythonify=True)
    assert [r.data["email"] for r in waiting] == ["me@h.test", "gone@h.test"]
    plain = world.add("plain@h.test", "1", 3)
    assert_error(plain.http.get("/users/registrations"), 403, "/users/registrations")
    path = f"/users/acceptRegistrations/{waiting[0].id}"
    assert_error(plain.http.post(path, json={"org_id": "1"}), 403, path)
    refused = admin.accept_user_registration(waiting[1], unsafe_fallback=True)
    assert refused["errors"][1]["message"] == "No organisation selected. Supply an Organisation ID"
    accepted = admin.accept_user_registration(waiting[0], organisation="1")
    assert accepted["message"] == "Added 1 user(s)."
    made = [u for u in admin.users(pythonify=True) if u.email == "me@h.test"]
    assert made and made[0].role_id == "3"  # the default role, not what was asked
    assert admin.discard_user_registration(waiting[1].id)["name"] == "1 registration(s) discarded."
    assert admin.user_registrations() == []


def test_user_settings_are_ones_own_unless_managed(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    other = world.add("other@h.test", "1", 3)
    own = _misp(world, plain.key)
    made = own.set_user_setting("publish_alert_filter", {"Tag.name": "x"}, pythonify=True)
    assert made.value == {"Tag.name": "x"}
    assert [s.setting for s in own.user_settings(pythonify=True)] == ["publish_alert_filter"]
    assert own.get_user_setting("publish_alert_filter")["UserSetting"]["value"] == {"Tag.name": "x"}
    assert own.set_user_setting("not_a_setting", 1)["errors"][0] == 405
    for path in ("/userSettings/setSetting", "/userSettings/getSetting"):
        body = {"setting": "homepage", "value": "/", "user_id": other.id}
        assert_error(plain.http.post(path, json=body), 404, path)
    oa = world.add("oa@h.test", "1", 2)
    r = oa.http.post("/userSettings/setSetting", json={"setting": "homepage", "value": "/x",
                                                        "user_id": other.id})  # fmt: skip
    assert r.status_code == 200, r.text
    path = "/userSettings/setSetting"
    body = {"setting": "homepage", "value": "/x", "user_id": "1"}  # the site admin
    assert_error(oa.http.post(path, json=body), 403, path)
    assert own.delete_user_setting("publish_alert_filter")["saved"] is True
    assert own.user_settings() == []


def test_organisations_hide_their_creator_from_non_admins(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    admin = _misp(world)
    shown = admin.organisations(search="ORG-B")
    assert len(shown) == 1 and shown[0]["Organisation"]["created_by_email"]
    seen = _misp(world, plain.key).organisations(scope="all", search="org-b")
    assert len(seen) == 1 and "created_by" not in seen[0]["Organisation"]
    view = plain.http.get(f"/organisations/view/{world.org_b}").json()["Organisation"]
    assert "created_by" not in view and "created_by_email" not in view
    assert admin.organisations(search="no such org") == []


def test_password_policy_length_applies(world: World) -> None:
    plain = world.add("plain@h.test", "1", 3)
    admin = _misp(world)
    admin.set_server_setting("Security.password_policy_length", 20, force=True)
    own = _misp(world, plain.key)
    short = own.change_user_password("Password1234")
    assert short["errors"][0] == 400 and "(20)" in short["errors"][1]["message"]
    assert own.change_user_password("Password1234-long-enough")["message"] == "Password Changed."


def test_background_jobs_is_true_as_publishing_queues_the_push(world: World) -> None:
    # PyMISP's live suite reads it, sets it to False with force, publishes, restores it.
    admin = _misp(world)
    got = admin.get_server_setting("MISP.background_jobs")
    assert (got["value"], got["type"], got["level"]) == (True, "boolean", 1)
    assert admin.set_server_setting("MISP.background_jobs", True, force=True)["saved"] is True
    refused = admin.set_server_setting("MISP.background_jobs", False, force=True)
    assert refused["errors"][0] == 400
    assert "accepts only True" in refused["errors"][1]["message"]
    assert admin.get_server_setting("MISP.background_jobs")["value"] is True
