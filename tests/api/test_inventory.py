"""``/inventory/*`` on a live server (SQLite and PostgreSQL): import, list, add, edit,
delete; errors that say what and where; another organisation's host answers as an
unknown one."""

from __future__ import annotations

import httpx
import pytest
from pymisp import MISPEvent, MISPOrganisation, MISPUser, PyMISP
from tests.support import LiveServer

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
LIBSSH = "cpe:2.3:a:libssh:libssh:0.7.6:*:*:*:*:*:*:*"


def _org_key(server: LiveServer, name: str) -> str:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email = f"ops@{name.lower()}.test"
    user.org_id = created.id
    user.role_id = 3
    return str(admin.add_user(user)["User"]["authkey"])


def _call(
    server: LiveServer, key: str, method: str, path: str, body: object = None
) -> httpx.Response:
    headers = {"Authorization": key, "Accept": "application/json"}
    return httpx.request(method, server.url + path, json=body, headers=headers, timeout=60)


@pytest.fixture
def keys(server: LiveServer) -> tuple[str, str]:
    return _org_key(server, "HOSTS"), _org_key(server, "OTHER")


def test_import_list_edit_delete(server: LiveServer, keys: tuple[str, str]) -> None:
    key, _ = keys
    doc = {"hosts": [
        {"name": "web-01", "exposure": "internet", "software": [APACHE]},
        {"name": "ssh-01", "software": [{"cpe": LIBSSH}]},
    ]}  # fmt: skip
    answer = _call(server, key, "POST", "/inventory/import", doc)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"added": 2, "updated": 0, "hosts": ["web-01", "ssh-01"]}
    listed = _call(server, key, "GET", "/inventory/hosts").json()
    assert [(h["Host"]["name"], h["Host"]["exposure"]) for h in listed] == [
        ("ssh-01", "internal"), ("web-01", "internet"),
    ]  # fmt: skip
    assert listed[1]["Host"]["software"] == [APACHE]
    # Importing again updates.
    assert _call(server, key, "POST", "/inventory/import", doc).json()["updated"] == 2

    edited = _call(server, key, "PUT", "/inventory/hosts/web-01", {"exposure": "internal"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["Host"]["exposure"] == "internal"
    assert edited.json()["Host"]["software"] == [APACHE]  # kept

    added = _call(server, key, "POST", "/inventory/hosts", {"name": "db-01", "software": []})
    assert added.status_code == 200 and added.json()["Host"]["name"] == "db-01"
    again = _call(server, key, "POST", "/inventory/hosts", {"name": "db-01"})
    assert again.status_code == 409 and "db-01" in again.json()["message"]

    gone = _call(server, key, "DELETE", "/inventory/hosts/db-01")
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert _call(server, key, "GET", "/inventory/hosts/db-01").status_code == 404


def test_errors_say_what_and_where(server: LiveServer, keys: tuple[str, str]) -> None:
    key, _ = keys
    bad = _call(server, key, "POST", "/inventory/import",
                {"hosts": [{"name": "a", "software": ["apache 2.4"]}]})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("hosts[0].software[0]:")
    twice = _call(
        server, key, "POST", "/inventory/import", {"hosts": [{"name": "a"}, {"name": "a"}]}
    )
    assert twice.status_code == 400 and "hosts[1].name" in twice.json()["message"]
    # All or nothing: the valid host of a refused import was not stored.
    assert _call(server, key, "GET", "/inventory/hosts").json() == []
    exposure = _call(server, key, "POST", "/inventory/hosts", {"name": "x", "exposure": "moon"})
    assert exposure.status_code == 400 and "exposure" in exposure.json()["message"]


def test_another_organisations_host_answers_as_unknown(
    server: LiveServer, keys: tuple[str, str]
) -> None:
    mine, other = keys
    assert _call(server, mine, "POST", "/inventory/hosts", {"name": "web-01"}).status_code == 200
    for method, body in (("GET", None), ("PUT", {"exposure": "internet"}), ("DELETE", None)):
        hidden = _call(server, other, method, "/inventory/hosts/web-01", body)
        absent = _call(server, other, method, "/inventory/hosts/web-99", body)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.json() == {**absent.json(), "url": hidden.json()["url"]}
    assert _call(server, other, "GET", "/inventory/hosts").json() == []
    assert _call(server, mine, "GET", "/inventory/hosts/web-01").status_code == 200


def test_the_risk_engine_reads_the_inventory(server: LiveServer, keys: tuple[str, str]) -> None:
    mine, other = keys
    host = {"name": "web-01", "exposure": "internet", "software": [APACHE]}
    assert _call(server, mine, "POST", "/inventory/hosts", host).status_code == 200
    # A bare vulnerability attribute: the decoy catalogue knows which products it affects.
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    event = MISPEvent()
    event.info = "CVE-2021-41773 exploited"
    event.distribution = 3
    event.add_attribute("vulnerability", "CVE-2021-41773")
    assert isinstance(admin.add_event(event, pythonify=True), MISPEvent)
    risk = _call(server, mine, "GET", "/risk/hosts/web-01")
    assert risk.status_code == 200, risk.text
    factors = {f["factor"]: f for f in risk.json()["Risk"]["factors"]}
    assert [i["name"] for i in factors["vulnerabilities"]["items"]] == ["CVE-2021-41773"]
    hidden = _call(server, other, "GET", "/risk/hosts/web-01")
    absent = _call(server, other, "GET", "/risk/hosts/web-99")
    assert hidden.status_code == absent.status_code == 404
