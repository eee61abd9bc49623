"""PyMISP's server calls work unchanged: add_server, servers, update_server,
test_server, server_pull, server_push, delete_server; keys never come back."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from pymisp import MISPOrganisation, MISPServer, MISPUser, PyMISP
from tests.support import LiveServer


def _sync_user(misp: PyMISP) -> tuple[str, str]:
    org = MISPOrganisation()
    org.name, org.uuid = "REMOTE", str(uuid.uuid4())
    created = misp.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = "sync@remote.test", created.id, 5
    added: Any = misp.add_user(user)
    return str(added["User"]["authkey"]), str(created.id)


def test_pymisp_manages_server_connections(sqlite_server: LiveServer) -> None:
    srv = sqlite_server
    srv.platform.base_url = srv.url
    misp = PyMISP(srv.url, srv.admin_key, ssl=False, timeout=60)
    key, org_id = _sync_user(misp)
    # A connection back to this very instance is enough to drive every call.
    server = MISPServer()
    server.name, server.url, server.authkey = "loop", srv.url, key
    server.pull, server.push, server.remote_org_id = True, False, org_id
    server.pull_rules = '{"tags": {"OR": [], "NOT": ["private"]}, "orgs": {"OR": [], "NOT": []}}'
    created = misp.add_server(server, pythonify=True)
    assert isinstance(created, MISPServer) and created.url == srv.url
    assert not hasattr(created, "authkey")
    listed: Any = misp.servers()
    assert [s["Server"]["name"] for s in listed] == ["loop"]
    assert "authkey" not in listed[0]["Server"] and listed[0]["RemoteOrg"]["name"] == "REMOTE"
    created.push = True
    updated = misp.update_server(created, pythonify=True)
    assert updated.push is True and updated.pull is True
    tested: Any = misp.test_server(created)
    assert tested["status"] == 1 and tested["perm_sync"] is True
    pulled: Any = misp.server_pull(created)
    pushed: Any = misp.server_push(created)
    assert pulled["message"].startswith("Pull completed") and pulled["failed"] == 0
    assert pushed["message"].startswith("Push completed")
    assert misp.delete_server(created)["success"] is True
    assert misp.servers() == []


def test_bad_server_input_is_a_clear_400(sqlite_server: LiveServer) -> None:
    headers = {"Authorization": sqlite_server.admin_key}
    with httpx.Client(base_url=sqlite_server.url, headers=headers) as http:
        good = {"url": "https://misp.example", "authkey": "a" * 40, "name": "x"}
        cases = [
            ({**good, "url": "ftp://misp.example"}, "Server.url"),
            ({**good, "authkey": "short"}, "Server.authkey"),
            ({**good, "pull_rules": "{broken"}, "Server.pull_rules"),
            ({**good, "remote_org_id": 999}, "Server.remote_org_id"),
        ]
        for body, where in cases:
            r = http.post("/servers/add", json=body)
            assert r.status_code == 400 and where in r.json()["message"], (body, r.text)
        assert http.post("/servers/pull/42").status_code == 404
        assert http.get("/servers/index").json() == []


def test_unreachable_server_reports_status_2(sqlite_server: LiveServer) -> None:
    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False, timeout=60)
    server = MISPServer()
    server.name, server.url, server.authkey = "nowhere", "http://127.0.0.1:9", "b" * 40
    created = misp.add_server(server, pythonify=True)
    tested: Any = misp.test_server(created)
    assert tested["status"] == 2
    # A sync with a remote that stays unreachable: 502 with MISP's error body.
    server_id = created.id
    misp.update_server({"pull": True}, server_id)
    r = httpx.post(
        f"{sqlite_server.url}/servers/pull/{server_id}",
        headers={"Authorization": sqlite_server.admin_key},
        timeout=60,
    )
    assert r.status_code == 502 and "127.0.0.1:9" in r.json()["message"]
