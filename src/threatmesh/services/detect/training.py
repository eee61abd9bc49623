"""Use cases: train a detector on labelled chunks, save and load model files."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch, concat
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.features import FeatureError
from threatmesh.detection.network import TrainConfig
from threatmesh.detection.schedule import Schedule
from threatmesh.sensors.flows import csv_flows, pcap_flows


def load_chunk(path: Path) -> FlowBatch:
    """One chunk: a labelled flow CSV, or a lab pcap with its ``.schedule.json`` beside it."""
    if path.suffix.lower() in {".pcap", ".cap"}:
        sched_path = path.with_suffix(".schedule.json")
        if not sched_path.exists():
            raise FeatureError(f"{path}: no labels (expected {sched_path.name} beside it)")
        schedule = Schedule.from_dict(json.loads(sched_path.read_text()))
        batch = concat(list(pcap_flows(path, schedule=schedule)), str(path))
    else:
        batch = concat(list(csv_flows(path)), str(path))
    if batch.labels is None or len(batch) == 0:
        raise FeatureError(f"{path}: no labelled flows (a Label column is needed to train)")
    batch.source = path.stem.split(".")[0]
    return batch


def train(
    chunks: Sequence[FlowBatch],
    *,
    detector: str = "ebids",
    epochs: int = 30,
    fraction: float = 1.0,
    seed: int = 0,
    on_epoch: Callable[[int, int, float], None] | None = None,
) -> Detector:
    """A fitted detector (one chunk per batch; ``fraction`` of labels used); ``on_epoch``
    hears of each epoch of each network (epoch, epochs, validation macro-F1)."""
    cfg = TrainConfig(epochs=epochs, seed=seed, on_epoch=on_epoch)
    return DETECTORS[detector](cfg).fit(chunks, fraction=fraction)


def describe(chunks: Sequence[FlowBatch], fraction: float = 1.0) -> dict[str, Any]:
    """What a model learned from: each chunk's flows per class, and the label fraction."""
    out = []
    for chunk in chunks:
        counts: dict[str, int] = {}
        for label in chunk.labels or []:
            counts[label.strip()] = counts.get(label.strip(), 0) + 1
        out.append(
            {"name": chunk.source, "flows": len(chunk), "classes": dict(sorted(counts.items()))}
        )
    return {"chunks": out, "label_fraction": fraction}


def save(
    det: Detector,
    path: Path,
    *,
    metrics: dict[str, Any] | None = None,
    created: str = "",
    training: dict[str, Any] | None = None,
) -> None:
    """Write a model file (written beside, then renamed: never half a model)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(modelfile.dumps(det, metrics=metrics, created=created, training=training))
    tmp.replace(path)


def load(path: Path) -> tuple[Detector, dict[str, Any]]:
    """A detector from a model file; :class:`ModelError` names the file and the problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise modelfile.ModelError(f"{path}: cannot read the model file: {exc.strerror}") from None
    return modelfile.loads(data, str(path))


def scorer(det: Detector, backend: str = "torch") -> Any:
    """What scores flows: the detector itself, or its ONNX export under ONNX Runtime."""
    if backend == "torch":
        return det
    if backend == "onnx":
        from threatmesh.detection.onnx_runtime import OnnxScorer, export

        return OnnxScorer(export(det), det)
    raise ValueError(f"unknown scoring backend {backend!r} (torch, onnx)")


def export_onnx(det: Detector, path: Path) -> None:
    """Write the detector's ONNX graph (input: preprocessed flows)."""
    from threatmesh.detection.onnx_runtime import export

    path.write_bytes(export(det))


def set_threads(threads: int) -> None:
    """How many CPU threads torch may use."""
    import torch

    torch.set_num_threads(max(threads, 1))


def score_capture(det: Detector, path: Path) -> dict[str, Any]:
    """Offline scoring of a saved model on one labelled capture (a lab pcap with its
    schedule, or a labelled flow CSV): per-class and macro figures at the model's own
    threshold, as ``detect evaluate`` reports them."""
    from threatmesh.detection.metrics import report

    batch = load_chunk(path)
    assert batch.labels is not None
    scores = det.score(batch.features)
    return {"capture": str(path), "flows": len(batch), "detector": det.name,
            "threshold": det.threshold, **report(batch.labels, scores, det.threshold)}  # fmt: skip
