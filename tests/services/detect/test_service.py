"""The detection service against a live server: captures in, MISP events out (PyMISP)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import dpkt
import pytest
import torch
from pymisp import MISPEvent, PyMISP
from pytaxonomies import Taxonomies

from tests.support import LiveServer
from threatmesh.client.misp_detections import OBJECT_NAME, MispDetections
from threatmesh.detection.detectors import Detector
from threatmesh.services.detect.service import DetectConfig
from threatmesh.services.detect.training import load_chunk, train
from threatmesh.services.detect.watch import Watcher

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"
ATTACKER = "10.99.0.66"


@pytest.fixture(scope="module")
def detector() -> Detector:
    torch.set_num_threads(1)
    chunks = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    return train(chunks, detector="ebids", epochs=6, seed=0)


def _watch_dir(tmp_path: Path) -> Path:
    watch = tmp_path / "watch"
    watch.mkdir()
    shutil.copy(DATA / "attack.pcap", watch / "a1-attack.pcap")
    (watch / "a0-corrupt.pcap").write_bytes(b"\x00" * 100)
    cut = (DATA / "attack.pcap").read_bytes()
    (watch / "a2-truncated.pcap").write_bytes(cut[: len(cut) - 7])
    (watch / "a3-columns.csv").write_text("Flow Duration,Label\n1,BENIGN\n")
    (watch / "notes.txt").write_text("not an input")
    return watch


def test_attack_capture_becomes_events_objects_and_sightings(
    detector: Detector, sqlite_server: LiveServer, tmp_path: Path
) -> None:
    watch = _watch_dir(tmp_path)
    cfg = DetectConfig(version="test", threshold=0.6, benign_threshold=0.2, max_objects=20)
    sink = MispDetections(sqlite_server.url, sqlite_server.admin_key, verify_tls=False)
    watcher = Watcher(watch, detector, sink, cfg, bank=tmp_path / "bank")
    reports = {Path(r.path).name: r for r in watcher.poll(wait_stable=False)}

    # Bad inputs are reported with their file and problem; the good one still went through.
    assert "not a pcap file" in reports["a0-corrupt.pcap"].error
    assert "truncated packet" in reports["a2-truncated.pcap"].error
    assert "missing 77 CIC-IDS2017 column" in reports["a3-columns.csv"].error
    assert "notes.txt" not in reports
    good = reports["a1-attack.pcap"]
    assert not good.error and good.detections > 0 and good.objects > 0
    assert good.banked > 0
    assert sorted(p.name for p in (tmp_path / "bank").iterdir()) == ["a1-attack.pcap.benign.csv"]

    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False)
    # The attacker's event, wherever it comes: a 6-epoch test model may also flag a stray
    # benign flow (it flags one of the capture's 2,800: an SSH flow caught mid-way, so
    # the server looks like its initiator), which gets an event of its own.
    events = [misp.get_event(uuid, pythonify=True) for uuid in good.events]
    assert all(isinstance(e, MISPEvent) for e in events) and len(events) <= 2
    event = next(e for e in events if ATTACKER in e.info)
    _check_event(event)

    # The same traffic again: no new objects, sightings on the ones already there.
    shutil.copy(DATA / "attack.pcap", watch / "a4-again.pcap")
    (again,) = watcher.poll(wait_stable=False)
    assert again.objects == 0 and again.sightings > 0
    again_events = [misp.get_event(uuid, pythonify=True) for uuid in good.events]
    assert sum(len(e.objects) for e in again_events) == good.objects  # no duplicates
    src = next(a for o in event.objects for a in o.attributes if a.object_relation == "ip-src")
    sightings = misp.sightings(src)
    assert sightings and all(s["Sighting"]["source"] == "EBIDS" for s in sightings)


def _check_event(event: MISPEvent) -> None:
    assert ATTACKER in event.info
    tags = {t.name for t in event.tags}
    assert "tlp:amber" in tags and 'ecsirt:intrusion-attempts="ids-alert"' in tags
    known = Taxonomies()
    assert all(known.revert_machinetag(tag) for tag in tags)  # real taxonomy tags
    assert any(a.type == "ip-src" and a.value == ATTACKER for a in event.attributes)
    obj = next(o for o in event.objects if o.name == OBJECT_NAME)
    rel = {a.object_relation: a for a in obj.attributes}
    assert rel["ip-src"].value == ATTACKER and rel["ip-dst"].value == "10.99.0.10"
    assert rel["protocol"].value in {"TCP", "UDP", "ICMP"} and int(rel["dst-port"].value) >= 0
    assert rel["first-seen"].value <= rel["last-seen"].value
    verdict = json.loads(rel["attack-type"].value)["EBIDS"]
    assert verdict["verdict"] == "attack" and verdict["confidence"] >= 0.6
    pcap = rel["pcap"].data.getvalue()
    packets = list(dpkt.pcap.Reader(io.BytesIO(pcap)))
    assert 0 < len(packets) <= 200
    port = int(rel["dst-port"].value)
    for _, frame in packets:
        ip = dpkt.ethernet.Ethernet(frame).data
        assert port in {getattr(ip.data, "sport", 0), getattr(ip.data, "dport", 0)}
