"""Cowrie's log records into sessions, and a session into the plugin's MISP event."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from threatmesh.honeypots.ingest.cowrie import (
    CowrieSession,
    SessionAssembler,
    session_from_dict,
    session_to_dict,
)
from threatmesh.honeypots.ingest.cowrie_misp import session_event, session_uuid, title

SID = "9e6c6c87b42f"
BASE = {"session": SID, "src_ip": "203.0.113.7", "sensor": "hp-1", "protocol": "ssh",
        "src_port": 60194, "dst_ip": "192.0.2.10", "dst_port": 22}  # fmt: skip


def _records(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Records as Cowrie 3.1.4 logs them (fields as in a real log)."""
    steps: list[dict[str, Any]] = [
        {"eventid": "cowrie.session.connect", "timestamp": "2026-12-06T00:37:43.971761Z"},
        {"eventid": "cowrie.client.version", "version": "SSH-2.0-paramiko_5.1.0"},
        {"eventid": "cowrie.client.kex", "hassh": "4c94058d5e9e31659879f79fd5b46084"},
        {"eventid": "cowrie.login.failed", "username": "root", "password": "root"},
        {"eventid": "cowrie.login.success", "username": "root", "password": "hunter2"},
        {"eventid": "cowrie.command.input", "input": "uname -a",
         "timestamp": "2026-12-06T00:37:44.982426Z"},
        *extra,
        {"eventid": "cowrie.session.closed", "duration_ms": 7042,
         "timestamp": "2026-12-06T00:37:51.014042Z"},
    ]  # fmt: skip
    return [{**BASE, "timestamp": "2026-12-06T00:37:44Z", **step} for step in steps]


def _session(*extra: dict[str, Any]) -> CowrieSession:
    assembler = SessionAssembler()
    closed = [s for r in _records(*extra) if (s := assembler.feed(r)) is not None]
    assert len(closed) == 1 and not assembler.pending
    return closed[0]


def test_a_session_is_handed_over_when_it_closes_with_all_it_did() -> None:
    session = _session()
    assert session.id == SID and session.src_ip == "203.0.113.7"
    assert session.client == {"version": "SSH-2.0-paramiko_5.1.0",
                              "hassh": "4c94058d5e9e31659879f79fd5b46084"}  # fmt: skip
    assert [(lg.username, lg.password, lg.success) for lg in session.logins] == [
        ("root", "root", False), ("root", "hunter2", True)]  # fmt: skip
    assert [c.line for c in session.commands] == ["uname -a"]
    assert session.duration_ms == 7042 and session.end == "2026-12-06T00:37:51.014042Z"


def test_records_without_a_session_and_failed_downloads_are_left_out() -> None:
    assembler = SessionAssembler()
    assert assembler.feed({"eventid": "cowrie.log.closed", "timestamp": "x"}) is None
    failed = {"eventid": "cowrie.session.file_download.failed", "url": "http://x/"}
    no_file = {"eventid": "cowrie.session.file_download", "url": "http://x/"}
    session = _session(failed, no_file)
    assert session.downloads == []


def test_the_event_is_the_plugins() -> None:
    content = b"#!/bin/sh\necho bot\n"
    sha = hashlib.sha256(content).hexdigest()
    download = {"eventid": "cowrie.session.file_download", "url": "http://198.51.100.5/bot",
                "outfile": f"var/lib/cowrie/downloads/{sha}", "shasum": sha}  # fmt: skip
    session = _session(download)
    event = session_event(session, {sha: content})
    assert (
        event["info"]
        == title(session)
        == (
            "SSH Successful Login with 1 Commands and 1 Downloads from 203.0.113.7 "
            "(Cowrie Session 9e6c6c87)"
        )
    )
    assert event["uuid"] == session_uuid(session)
    tags = {t["name"] for t in event["Tag"]}
    assert 'misp-galaxy:mitre-attack-pattern="Valid Accounts - T1078"' in tags
    assert 'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"' in tags
    sample = next(a for a in event["Attribute"] if a["type"] == "malware-sample")
    assert sample["value"] == f"{sha}|{hashlib.md5(content).hexdigest()}"
    assert base64.b64decode(sample["data"]) == content
    names = [o["name"] for o in event["Object"]]
    assert names == ["cowrie-session", "cowrie-authentication", "cowrie-commands",
                     "cowrie-file-download"]  # fmt: skip
    auth = {a["object_relation"]: a["value"] for a in event["Object"][1]["Attribute"]}
    assert auth["attempt-1"] == "User: root, Password: root, Success: False"
    assert auth["authentication-success"] == "true"


def test_a_file_not_at_hand_gets_no_sample_but_keeps_its_object() -> None:
    download = {"eventid": "cowrie.session.file_download", "url": "http://198.51.100.5/bot",
                "outfile": "var/lib/cowrie/downloads/ab", "shasum": "ab" * 32}  # fmt: skip
    event = session_event(_session(download), {})
    assert all(a["type"] != "malware-sample" for a in event["Attribute"])
    assert event["Object"][-1]["name"] == "cowrie-file-download"


def test_open_sessions_survive_a_round_trip() -> None:
    assembler = SessionAssembler()
    for record in _records()[:-1]:
        assert assembler.feed(record) is None
    saved = [session_to_dict(s) for s in assembler.pending]
    resumed = SessionAssembler([session_from_dict(d) for d in saved])
    closed = resumed.feed(_records()[-1])
    assert closed is not None and closed == _session()
