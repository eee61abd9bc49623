"""One conformance suite over every registered detector, on the repo's lab sample."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.metrics import report
from threatmesh.detection.network import TrainConfig
from threatmesh.detection.onnx_runtime import OnnxScorer, export

FAST = TrainConfig(epochs=4, batch=256, seed=0)


@pytest.fixture(scope="module", params=list(DETECTORS))
def fitted(request: pytest.FixtureRequest, chunks: list[FlowBatch]) -> Detector:
    return DETECTORS[request.param](FAST).fit(chunks[:3])


def test_scores_are_probabilities_and_separate_attacks(
    fitted: Detector, holdout: FlowBatch
) -> None:
    scores = fitted.score(holdout.features)
    assert scores.shape == (len(holdout),) and scores.dtype == np.float32
    assert ((scores >= 0) & (scores <= 1)).all()
    figures = report(holdout.labels or [], scores)
    # Four epochs on a few hundred flows per class: far from the paper, far from chance.
    assert figures["attack"]["roc_auc"] > 0.7, figures


def test_model_file_round_trip(fitted: Detector, holdout: FlowBatch) -> None:
    data = modelfile.dumps(fitted, metrics={"note": "test"}, created="2026-01-01T00:00:00Z")
    back, manifest = modelfile.loads(data, "m.ebids")
    assert manifest["detector"] == fitted.name and manifest["models"] == fitted.models
    assert manifest["metrics"] == {"note": "test"} and len(manifest["features"]) == 78
    assert np.array_equal(back.score(holdout.features), fitted.score(holdout.features))


def test_onnx_runtime_matches_pytorch(fitted: Detector, holdout: FlowBatch) -> None:
    onnx = OnnxScorer(export(fitted), fitted)
    expected = fitted.score(holdout.features)
    assert np.allclose(onnx.score(holdout.features), expected, atol=1e-5)
    assert onnx.score(holdout.features[:0]).shape == (0,)


def test_new_chunk_adds_a_model(chunks: list[FlowBatch], holdout: FlowBatch) -> None:
    det = DETECTORS["ebids"](FAST).fit(chunks[:2])
    assert det.models == ["chunk:day1", "chunk:day2", "pooled"]
    det.add_chunk(chunks[3])
    assert det.models == ["chunk:day1", "chunk:day2", "chunk:day4", "pooled"]
    assert det.ensemble is not None and det.ensemble.net is not None
    assert len(det.ensemble.net.bases) == 4
    back, _ = modelfile.loads(modelfile.dumps(det), "m")
    assert np.array_equal(back.score(holdout.features), det.score(holdout.features))


def _rewrite_manifest(data: bytes, **changes: object) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "manifest.json":
                blob = json.dumps({**json.loads(blob), **changes}).encode()
            dst.writestr(name, blob)
    return out.getvalue()


def test_incompatible_or_damaged_model_files(chunks: list[FlowBatch]) -> None:
    det = DETECTORS["pooled"](TrainConfig(epochs=1)).fit(chunks[:1])
    data = modelfile.dumps(det)
    future = _rewrite_manifest(data, format_version=99)
    with pytest.raises(
        modelfile.ModelError, match=r"new\.ebids: model format version 99 is incompatible"
    ):
        modelfile.loads(future, "new.ebids")
    with pytest.raises(modelfile.ModelError, match=r"x\.ebids: not a threatmesh model file"):
        modelfile.loads(b"PK junk", "x.ebids")
    tampered = _rewrite_manifest(data, sha256={"weights.pt": "0" * 64, "preprocessing.json": "0"})
    with pytest.raises(modelfile.ModelError, match="does not match its SHA-256"):
        modelfile.loads(tampered, "t.ebids")
