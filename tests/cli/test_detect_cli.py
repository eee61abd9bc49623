"""``threatmesh detect``/``lab`` as operators script them (subprocesses, real files)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import onnx
import pytest
from tests.support import LiveServer

BIN = Path(sys.executable).with_name("threatmesh")
DATA = Path(__file__).parent.parent / "detection" / "data"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=env)


def _future_version(model: Path, out: Path) -> None:
    src = zipfile.ZipFile(io.BytesIO(model.read_bytes()))
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "manifest.json":
                blob = json.dumps({**json.loads(blob), "format_version": 2}).encode()
            dst.writestr(name, blob)


@pytest.mark.slow
def test_train_export_run_and_bad_model(tmp_path: Path, sqlite_server: LiveServer) -> None:
    model = tmp_path / "m.ebids"
    chunks = [str(DATA / "day2.flows.csv"), str(DATA / "day3.flows.csv")]
    done = _run("detect", "train", *chunks, "--out", str(model), "--epochs", "2", "--threads", "1")
    assert done.returncode == 0, done.stderr
    assert "chunk:day2, chunk:day3, pooled" in done.stderr
    assert "network 1: epoch 1/2, validation macro-F1" in done.stderr  # progress
    assert "network 1: epoch 2/2" in done.stderr

    # Offline scoring of the saved model on a labelled capture (the lab's pcap).
    done = _run("detect", "score", str(model), str(DATA / "attack.pcap"))
    assert done.returncode == 0, done.stderr
    scored = json.loads(done.stdout)
    assert scored["capture"].endswith("attack.pcap") and scored["flows"] > 0
    assert 0.0 <= scored["macro_f1"] <= 1.0 and scored["detector"] == "ebids"
    done = _run(
        "detect", "score", str(model), str(DATA / "day1.flows.csv"), str(tmp_path / "no.pcap")
    )
    assert done.returncode == 2 and len(done.stdout.splitlines()) == 1
    manifest = json.loads(zipfile.ZipFile(model).read("manifest.json"))
    assert manifest["detector"] == "ebids" and manifest["created"]

    done = _run("detect", "export-onnx", str(model), "--out", str(tmp_path / "m.onnx"))
    assert done.returncode == 0, done.stderr
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")))

    watch = tmp_path / "watch"
    watch.mkdir()
    (watch / "broken.pcap").write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 30)
    common = ["--watch", str(watch), "--url", sqlite_server.url, "--key", sqlite_server.admin_key]
    done = _run("detect", "run", *common, "--model", str(model), "--once", "--backend", "onnx")
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stderr and "broken.pcap: truncated" in done.stderr

    future = tmp_path / "future.ebids"
    _future_version(model, future)
    done = _run("detect", "run", *common, "--model", str(future), "--once")
    assert done.returncode == 2
    assert f"{future}: model format version 2 is incompatible" in done.stderr


@pytest.mark.slow
def test_evaluate_prints_figures(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    done = _run(
        "detect",
        "evaluate",
        str(DATA / "day2.flows.csv"),
        str(DATA / "day4.flows.csv"),
        "--holdout",
        str(DATA / "holdout.flows.csv"),
        "--epochs",
        "1",
        "--labels",
        "1",
        "--detectors",
        "pooled",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "holdout" in done.stdout and "macro-F1" in done.stdout
    figures = json.loads(out.read_text())
    tests = {r["test"] for r in figures["results"]}
    assert tests == {"held-out split", "holdout"}
    assert all("DoS-Hping" in r["classes"] for r in figures["results"])
