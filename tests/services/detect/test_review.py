"""The second detector against a live server (SQLite and PostgreSQL): EBIDS publishes its
detections of a lab capture; ``threatmesh detect review`` re-scores each object's carved
traffic with the benign-profile anomaly detector, adds its entry to the object's
attack-type next to EBIDS's, and sets the event's credibility from their agreement."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import numpy as np
import pytest
import torch
from pymisp import MISPEvent, PyMISP
from pytaxonomies import Taxonomies

from tests.support import LiveServer
from threatmesh.client.misp_detections import OBJECT_NAME, MispDetections
from threatmesh.detection.anomaly import BenignProfile
from threatmesh.detection.detectors import Detector
from threatmesh.services.detect.review import credibility_tag
from threatmesh.services.detect.service import DetectConfig
from threatmesh.services.detect.training import load_chunk, train
from threatmesh.services.detect.watch import Watcher

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"
BIN = Path(sys.executable).with_name("threatmesh")


@pytest.fixture(scope="module")
def detector() -> Detector:
    torch.set_num_threads(1)
    chunks = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    return train(chunks, detector="ebids", epochs=6, seed=0)


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chunks = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    profile = BenignProfile.fit(np.vstack([b.features[~b.attack_mask()] for b in chunks]))
    path = tmp_path_factory.mktemp("profile") / "lab.profile.json"
    path.write_text(json.dumps(profile.to_dict()))
    return path


def _review(server: LiveServer, profile: Path) -> list[str]:
    done = subprocess.run(
        [str(BIN), "detect", "review", "--profile", str(profile), "--url", server.url,
         "--key", server.admin_key],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_the_second_opinion_lands_on_each_detection_and_sets_credibility(
    detector: Detector, profile_file: Path, server: LiveServer, tmp_path: Path
) -> None:
    watch = tmp_path / "watch"
    watch.mkdir()
    (watch / "attack.pcap").write_bytes((DATA / "attack.pcap").read_bytes())
    sink = MispDetections(server.url, server.admin_key, verify_tls=False)
    cfg = DetectConfig(version="test", threshold=0.6, benign_threshold=0.2, max_objects=20)
    (report,) = Watcher(watch, detector, sink, cfg, bank=None).poll(wait_stable=False)
    assert not report.error and report.objects > 0

    lines = _review(server, profile_file)
    assert len(lines) == len(report.events)
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    known = Taxonomies()
    agreed = disagreed = 0
    for uuid in report.events:
        event = misp.get_event(uuid, pythonify=True)
        assert isinstance(event, MISPEvent)
        verdicts = []
        for obj in (o for o in event.objects if o.name == OBJECT_NAME):
            entries = json.loads(
                next(a.value for a in obj.attributes if a.object_relation == "attack-type")
            )
            assert set(entries) == {"EBIDS", "ANOMALY"}
            assert entries["ANOMALY"]["version"] == "lab.profile"
            assert 0.0 <= entries["ANOMALY"]["confidence"] <= 1.0
            verdicts.append(entries["EBIDS"]["verdict"] == entries["ANOMALY"]["verdict"])
        tags = {t.name for t in event.tags}
        expected = credibility_tag(sum(verdicts), len(verdicts) - sum(verdicts))
        assert expected in tags and known.revert_machinetag(expected)
        agreed, disagreed = agreed + sum(verdicts), disagreed + len(verdicts) - sum(verdicts)
    assert agreed > 0  # the lab attacker's floods and scans are anomalous to both

    # Reviewing again changes nothing: the entries are there, the tags the same.
    assert _review(server, profile_file) == lines


def test_a_broken_profile_is_refused_before_anything_runs(
    server: LiveServer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.profile.json"
    bad.write_text('{"kind": "threatmesh-benign-profile", "view": []}')
    done = subprocess.run(
        [str(BIN), "detect", "review", "--profile", str(bad), "--url", server.url,
         "--key", server.admin_key], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "not a usable benign profile" in done.stderr


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def _second_opinion_done(misp: PyMISP, uuid: str) -> bool:
    """Every detection object of event ``uuid`` has our entry, and the event the
    credibility their agreement gives."""
    event = misp.get_event(uuid, pythonify=True)
    assert isinstance(event, MISPEvent)
    verdicts = []
    for obj in (o for o in event.objects if o.name == OBJECT_NAME):
        attack = next(a.value for a in obj.attributes if a.object_relation == "attack-type")
        entries = json.loads(attack)
        if "ANOMALY" not in entries:
            return False
        verdicts.append(entries["EBIDS"]["verdict"] == entries["ANOMALY"]["verdict"])
    expected = credibility_tag(sum(verdicts), len(verdicts) - sum(verdicts))
    return bool(verdicts) and expected in {t.name for t in event.tags}


def test_stream_mode_reviews_detections_as_they_are_written(
    detector: Detector, profile_file: Path, server: LiveServer, tmp_path: Path
) -> None:
    """``detect review --stream`` is subscribed before EBIDS writes anything and gives
    each detection its second opinion from the stream's notifications alone."""
    proc = subprocess.Popen(
        [str(BIN), "detect", "review", "--stream", "--profile", str(profile_file),
         "--url", server.url, "--key", server.admin_key],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out: queue.Queue[str | None] = queue.Queue()
    err: queue.Queue[str | None] = queue.Queue()
    assert proc.stdout is not None and proc.stderr is not None
    for stream, into in ((proc.stdout, out), (proc.stderr, err)):
        threading.Thread(target=_lines, args=(stream, into), daemon=True).start()
    try:
        while (line := err.get(timeout=120)) is not None and "listening to" not in line:
            pass
        assert line == f"listening to {server.url}/stream/events"
        watch = tmp_path / "watch"
        watch.mkdir()
        (watch / "attack.pcap").write_bytes((DATA / "attack.pcap").read_bytes())
        sink = MispDetections(server.url, server.admin_key, verify_tls=False)
        cfg = DetectConfig(version="test", threshold=0.6, benign_threshold=0.2, max_objects=20)
        (report,) = Watcher(watch, detector, sink, cfg, bank=None).poll(wait_stable=False)
        assert not report.error and report.objects > 0
        misp = PyMISP(server.url, server.admin_key, ssl=False)
        waiting = set(report.events)
        while waiting:  # one line per review the stream brought
            line = out.get(timeout=120)
            assert line is not None, "the stream review stopped"
            waiting -= {u for u in waiting if line.startswith(u) and _second_opinion_done(misp, u)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert "stopped" in list(iter(err.get, None))  # read to the end: the pipes can close
    proc.stdout.close()
    proc.stderr.close()
