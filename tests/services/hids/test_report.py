"""The HIDS loop on this machine: learn a baseline from the real /proc and an auth.log,
see an intrusion, report it through the MISP API, and watch the host's risk rise
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymisp import MISPEvent, MISPOrganisation, MISPUser, PyMISP

from tests.honeypots.risk.misp_facts import APACHE_2449, inventory_event
from tests.sensors.host.test_proc import SERVE, _free_port
from tests.support import LiveServer
from threatmesh.honeypots.hids.baseline import AnomalyKind
from threatmesh.sensors.host.authlog import AuthLog
from threatmesh.services.hids import monitor, report

NOW = int(dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC).timestamp())
ATTACKER = "203.0.113.5"


def _user(admin: PyMISP, org_name: str, role: int) -> str:
    org = MISPOrganisation()
    org.name = org_name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email = f"ops@{org_name.lower()}.test"
    user.org_id, user.role_id = created.id, role
    return str(admin.add_user(user)["User"]["authkey"])


def _syslog(at: int, message: str) -> str:
    stamp = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%b %e %H:%M:%S")
    return f"{stamp} web-01 sshd[4242]: {message}\n"


@pytest.fixture
def listener() -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield port
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_an_intrusion_reaches_the_platform_and_the_risk(
    server: LiveServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server.platform.clock = lambda: NOW
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    key = _user(admin, "HOSTS", role=3)
    cert = PyMISP(server.url, _user(admin, "CERT", role=4), ssl=False, timeout=60)
    indicator = MISPEvent()
    indicator.info, indicator.distribution = "SSH scanners", 3
    indicator.add_attribute("ip-src", ATTACKER, to_ids=True)
    indicator = cert.add_event(indicator, pythonify=True)
    hosts = PyMISP(server.url, key, ssl=False, timeout=60)
    assert isinstance(hosts.add_event(inventory_event("web-01", [APACHE_2449])), dict)

    log = tmp_path / "auth.log"
    log.write_text(_syslog(NOW - 3000, "Accepted publickey for alice from 192.0.2.10 port 1 ssh2"))
    watch = monitor.HostMonitor(auth_log=AuthLog(log, clock=lambda: NOW), clock=lambda: NOW)
    baseline = watch.learn()
    assert baseline.login_sources == {"alice": {"192.0.2.0/24"}}

    port = request.getfixturevalue("listener")  # a backdoor opens a port after learning
    with log.open("a") as f:
        for i in range(15):
            f.write(
                _syslog(NOW - 120 + i, f"Failed password for root from {ATTACKER} port {i} ssh2")
            )
        f.write(_syslog(NOW - 60, f"Accepted password for root from {ATTACKER} port 99 ssh2"))
    found = watch.check(baseline)
    kinds = {(a.kind, a.subject.split()[0]) for a in found}
    assert (AnomalyKind.BRUTE_FORCE, ATTACKER) in kinds
    assert (AnomalyKind.NEW_LOGIN_USER, f"root@{ATTACKER[:-1]}0/24") in kinds
    assert (AnomalyKind.NEW_LISTENING_PORT, f"{port}/tcp") in kinds
    # Each anomaly is reported once. (Only those of this test: the machine's other
    # processes, e.g. test servers of parallel workers, may open ports meanwhile.)
    again = {(a.kind, a.subject) for a in watch.check(baseline)}
    assert not again & {(a.kind, a.subject) for a in found}

    done = report.report(server.url, key, "web-01", found)
    # The brute force and the login from the attacker share one attribute: MISP refuses a
    # second ip-src with the same value and category in one event.
    assert done is not None and done.attributes == len(found) - 1
    assert done.sighted == 2  # the CERT's indicator: the brute force and the login
    event = hosts.get_event(done.event_uuid, pythonify=True)
    assert {t.name for t in event.tags} == {"threatmesh:hids", 'threatmesh:host="web-01"'}
    brute = next(a for a in event.attributes if a.value == ATTACKER and a.to_ids)
    assert 'threatmesh:anomaly="brute-force"' in {t.name for t in brute.tags}
    assert f"15 failed logins from {ATTACKER}" in brute.comment
    sighted = hosts.search(controller="attributes", value=ATTACKER, include_sightings=True)
    cert_copy = next(a for a in sighted["Attribute"] if a["event_id"] == str(indicator.id))
    assert [s["source"] for s in cert_copy["Sighting"]] == ["hids@web-01"] * 2

    risk = httpx.get(f"{server.url}/risk/hosts/web-01", headers={"Authorization": key}, timeout=60)
    detections = next(f for f in risk.json()["Risk"]["factors"] if f["factor"] == "detections")
    assert detections["log_odds"] > 1
    assert {"brute-force", "new-login-user", "new-listening-port"} <= {
        i["name"] for i in detections["items"]
    }
