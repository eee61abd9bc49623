"""Analysts in the loop against a live server (SQLite and PostgreSQL), as operators run
it (``threatmesh analyst``) and checked with PyMISP: the queue shows the detections in
doubt, most doubtful first; a label sets ``verified``, adds the analyst's entry and a
true- or false-positive sighting (reputation evidence about the detector's
organisation); labelled captures come out as training chunks the trainer reads."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import dpkt
import httpx
from pymisp import MISPOrganisation, MISPUser, PyMISP

from tests.support import LiveServer
from threatmesh.client.misp_detections import MispDetections, ObjectSpec
from threatmesh.detection.alerts import EVENT_TAGS, attack_type
from threatmesh.services.detect.training import load_chunk

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"
BIN = Path(sys.executable).with_name("threatmesh")
ATTACKER, TARGET = "10.99.0.66", "10.99.0.10"


def _sensor_key(admin: PyMISP) -> str:
    org = MISPOrganisation()
    org.name = "SENSORS"
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = "ids@sensors.test", created.id, 3
    return str(admin.add_user(user)["User"]["authkey"])


def _capture() -> tuple[bytes, float, float]:
    """The first packets between the lab's attacker and target, as a carved pcap."""
    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out)
    times = []
    with (DATA / "attack.pcap").open("rb") as f:
        for ts, frame in dpkt.pcap.Reader(f):
            ip = dpkt.ethernet.Ethernet(frame).data
            if isinstance(ip, dpkt.ip.IP) and {ip.src, ip.dst} == {
                bytes([10, 99, 0, 66]),
                bytes([10, 99, 0, 10]),
            }:
                writer.writepkt(frame, ts)
                times.append(ts)
            if len(times) == 40:
                break
    return out.getvalue(), min(times), max(times)


def _detection(
    sink: MispDetections, port: int, entries: str, pcap: tuple[bytes, float, float]
) -> None:
    from datetime import UTC, datetime

    iso = lambda t: datetime.fromtimestamp(t, tz=UTC).isoformat()  # noqa: E731
    state = sink.ensure_event(f"6b1f3c4e-2a57-4d55-9e61-00000000{port:04d}", f"EBIDS {port}",
                              ATTACKER, EVENT_TAGS)  # fmt: skip
    key = f"{ATTACKER}>{TARGET}:{port}/6"
    attrs = [("ip-src", "ip-src", ATTACKER), ("ip-dst", "ip-dst", TARGET),
             ("dst-port", "port", str(port)), ("protocol", "text", "TCP"),
             ("first-seen", "datetime", iso(pcap[1])), ("last-seen", "datetime", iso(pcap[2])),
             ("attack-type", "text", entries), ("flow-key", "text", key),
             ("flows", "counter", "1"), ("verified", "boolean", "0")]  # fmt: skip
    sink.add_object(state, ObjectSpec(key, attrs, f"{port}.pcap", pcap[0], pcap[1], pcap[2]), [])


def _analyst(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(BIN), "analyst", *args], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_the_queue_labels_sightings_and_training_chunks(server: LiveServer, tmp_path: Path) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False)
    sink = MispDetections(server.url, _sensor_key(admin), verify_tls=False)
    pcap = _capture()
    disputed = json.loads(attack_type("EBIDS", "t", 0.99, 0.75))
    disputed["ANOMALY"] = {"version": "p", "verdict": "benign", "confidence": 0.2}
    _detection(sink, 22, attack_type("EBIDS", "t", 0.80, 0.75), pcap)  # in the band
    _detection(sink, 80, json.dumps(disputed), pcap)  # sure, but disputed
    _detection(sink, 443, attack_type("EBIDS", "t", 0.99, 0.75), pcap)  # sure: not queued
    auth = ["--url", server.url, "--key", server.admin_key]

    items = [json.loads(line) for line in _analyst("queue", *auth, "--json").stdout.splitlines()]
    assert [(i["port"], i["disagreement"]) for i in items] == [("80", True), ("22", False)]

    _analyst("label", items[0]["event"], items[0]["object"], "reject", *auth, "--analyst", "soc-1")
    _analyst("label", items[1]["event"], items[1]["object"], "confirm", *auth, "--analyst", "soc-1")
    assert _analyst("queue", *auth).stdout == ""

    for item, kind, verdict in ((items[0], "1", "benign"), (items[1], "0", "attack")):
        event = admin.get_event(item["event"], pythonify=True)
        obj = next(o for o in event.objects if o.uuid == item["object"])
        rel = {a.object_relation: a for a in obj.attributes}
        assert str(rel["verified"].value) in {"1", "True", "true"}
        assert json.loads(rel["attack-type"].value)["ANALYST"] == {
            "verdict": verdict,
            "analyst": "soc-1",
        }
        sightings = admin.sightings(rel["ip-src"])
        assert [(s["Sighting"]["type"], s["Sighting"]["source"]) for s in sightings] == [
            (kind, "soc-1")
        ]

    url = f"{server.url}/reputation/organisations/SENSORS"
    answer = httpx.get(url, headers={"Authorization": server.admin_key}).json()
    reputation = answer["Reputation"]
    assert reputation["positive"] > 0 and reputation["negative"] > 0

    out = tmp_path / "labelled"
    assert _analyst("export", "--out", str(out), *auth).stdout.startswith("2 labelled capture(s)")
    chunks = [load_chunk(p) for p in sorted(out.glob("*.pcap"))]
    verdicts = sorted(bool(c.attack_mask().any()) for c in chunks)
    assert verdicts == [False, True]  # the rejected one is all benign, the confirmed one not
