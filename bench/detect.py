"""EBIDS throughput and latency: flows extracted/s, flows scored/s, pcap-to-event delay.

* Extraction: a lab capture metered by nfstream alone (its C statistics) and by our
  extractor (nfstream plus the CICFlowMeter plugin and the mapping to CIC-IDS2017
  columns), one meter process, side by side. The ratio is the price of the CIC features.
* Scoring: the same flows through the PyTorch ensemble and its ONNX export under ONNX
  Runtime, one thread each, in batches of 4,096 and one flow at a time.
* Latency: ``threatmesh serve`` in a child process on SQLite; the detection service
  watches a directory (polling every 0.2 s); a capture is renamed into it and the clock
  stops when its event answers ``events/view`` through the API. Fresh server per run.

Run ``python -m bench.detect`` (after ``make lab`` for the larger capture; without it
the repo's sample capture is used).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import torch
from bench.common import auth_headers, bench_database, init_admin, machine, serve

from threatmesh.detection.batch import concat
from threatmesh.sensors.flows import pcap_flows
from threatmesh.services.detect import training as detect_train
from threatmesh.services.detect.service import DetectConfig, connect
from threatmesh.services.detect.watch import Watcher

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "detection" / "data"
LAB = Path("data/lab")


def _extract(pcap: Path) -> None:
    from nfstream import NFStreamer

    t = time.perf_counter()
    plain = sum(
        1
        for _ in NFStreamer(
            source=str(pcap), statistical_analysis=True, n_dissections=0, n_meters=1
        )
    )
    t_plain = time.perf_counter() - t
    t = time.perf_counter()
    ours = sum(len(b) for b in pcap_flows(pcap))
    t_ours = time.perf_counter() - t
    size = pcap.stat().st_size / 1e6
    print(f"capture {pcap} ({size:.1f} MB)")
    print(f"  nfstream alone      {plain:>7} flows  {plain / t_plain:>9,.0f} flows/s")
    print(
        f"  CIC extractor       {ours:>7} flows  {ours / t_ours:>9,.0f} flows/s"
        f"  ({t_ours / t_plain:.2f}x the time of nfstream alone)"
    )


def _score(det: detect_train.Detector, feats: np.ndarray, reps: int) -> None:
    onnx = detect_train.scorer(det, "onnx")
    x = np.tile(feats, (max(1, 20_000 // len(feats)), 1))[:20_000]
    for name, s in (("PyTorch", det), ("ONNX Runtime", onnx)):
        s.score(x[:10])  # warm up
        t = time.perf_counter()
        for _ in range(reps):
            for i in range(0, len(x), 4096):
                s.score(x[i : i + 4096])
        batch_rate = reps * len(x) / (time.perf_counter() - t)
        t = time.perf_counter()
        for i in range(300):
            s.score(x[i : i + 1])
        single = (time.perf_counter() - t) / 300 * 1e3
        print(
            f"  {name:<13} {batch_rate:>9,.0f} flows/s (batches of 4,096)   "
            f"{single:.2f} ms for one flow"
        )


def _latency(det: detect_train.Detector, pcap: Path, runs: int) -> list[float]:
    delays = []
    for _ in range(runs):
        with bench_database(False) as (db_url, scratch):
            key = init_admin(db_url, scratch)
            with serve(db_url, scratch, key) as srv:
                watch = scratch / "watch"
                watch.mkdir()
                watcher = Watcher(
                    watch,
                    det,
                    connect(srv.url, key, verify_tls=False),
                    DetectConfig(version="bench"),
                    poll_seconds=0.2,
                )
                stop = threading.Event()
                thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
                thread.start()
                staged = scratch / ".staged.pcap"
                shutil.copy(pcap, staged)
                t0 = time.perf_counter()
                staged.rename(watch / "landing.pcap")
                delays.append(_wait_event(srv.url, key, t0, watcher))
                stop.set()
                thread.join(timeout=30)
    return delays


def _wait_event(url: str, key: str, t0: float, watcher: Watcher) -> float:
    with httpx.Client(base_url=url, headers=auth_headers(key), timeout=10) as http:
        while time.perf_counter() - t0 < 120:
            uuids = [u for r in watcher.reports for u in r.events]
            if uuids and http.get(f"/events/view/{uuids[0]}").status_code == 200:
                return time.perf_counter() - t0
            time.sleep(0.02)
    raise RuntimeError("no event became visible within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pcap", type=Path, default=None, help="capture to extract")
    parser.add_argument("--runs", type=int, default=3, help="latency runs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(machine())
    pcap = args.pcap or (
        LAB / "day4.pcap" if (LAB / "day4.pcap").exists() else SAMPLE / "attack.pcap"
    )
    _extract(pcap)
    chunks = [detect_train.load_chunk(SAMPLE / f"day{i}.flows.csv") for i in range(1, 5)]
    det = detect_train.train(chunks, detector="ebids", epochs=10)
    feats = concat(list(pcap_flows(SAMPLE / "attack.pcap")), "attack").features
    print(f"scoring ({len(det.models)} base models + mixture-of-experts, one thread)")
    _score(det, feats, reps=3)
    delays = _latency(det, SAMPLE / "attack.pcap", args.runs)
    print(
        f"pcap landing -> event visible through the API ({len(feats)} flows, poll 0.2 s): "
        f"median {statistics.median(delays):.2f} s, runs " + ", ".join(f"{d:.2f}" for d in delays)
    )


if __name__ == "__main__":
    main()
