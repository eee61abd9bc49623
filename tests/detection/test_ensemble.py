"""The ensemble under label scarcity: pooled expert, cross-fitting, gate prior, threshold."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
import torch

from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.combiners import COMBINERS, MixtureOfExperts
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.metrics import choose_threshold
from threatmesh.detection.network import TrainConfig, predict

FAST = TrainConfig(epochs=4, batch=256, seed=0)


@pytest.fixture(scope="module")
def ebids(chunks: list[FlowBatch]) -> Detector:
    return DETECTORS["ebids"](FAST).fit(chunks[:3])


def test_untrained_gate_trusts_the_pooled_expert() -> None:
    moe = COMBINERS["moe"](6, 4)
    scores = torch.tensor([[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 0.0]])
    out = moe(torch.rand(2, 6), scores)
    prior = MixtureOfExperts.PRIOR_POOLED
    assert torch.allclose(out, torch.tensor([prior, 1 - prior]), atol=1e-6)


def test_too_little_validation_data_keeps_the_gate_prior(chunks: list[FlowBatch]) -> None:
    # 1% of the sample's labels: a pool of a handful of flows cannot show that a trained
    # gate beats its prior, so the gate is not trained.
    det = DETECTORS["ebids"](FAST).fit(chunks[:3], fraction=0.01)
    assert det.ensemble is not None and det.ensemble.net is not None
    assert "combiner" not in det.ensemble.validation_f1
    gate = det.ensemble.net.combiner
    assert isinstance(gate, MixtureOfExperts)
    assert not any(p.abs().sum() for p in gate.gate[2].parameters())
    assert det.threshold == 0.5


def test_enough_validation_data_trains_the_gate(ebids: Detector) -> None:
    assert ebids.ensemble is not None and ebids.ensemble.net is not None
    assert "combiner" in ebids.ensemble.validation_f1


def test_pooled_expert_is_the_pooled_baseline(ebids: Detector, chunks: list[FlowBatch]) -> None:
    # The ensemble's pooled expert learns from every labelled flow, as the baseline does
    # (same data, same split, same seed), not from the 20% combiner pool alone.
    pooled = DETECTORS["pooled"](FAST).fit(chunks[:3])
    assert ebids.ensemble is not None and pooled.single is not None
    x = ebids.preprocessor.transform(chunks[3].features)
    assert np.array_equal(predict(ebids.ensemble.bases[-1], x), predict(pooled.single, x))


def test_combiner_sees_out_of_sample_pooled_scores(ebids: Detector) -> None:
    ens = ebids.ensemble
    assert ens is not None and ens.pool_oof is not None
    assert ens.pool_oof.shape == ens.pool_y.shape
    # The cross-fitted twin never saw the pool; the pooled expert trained on it.
    assert not np.allclose(ens.pool_oof, predict(ens.bases[-1], ens.pool_x))


def test_recombined_equals_training_from_scratch(
    ebids: Detector, chunks: list[FlowBatch], holdout: FlowBatch
) -> None:
    scratch = DETECTORS["ebids-stacking"](FAST).fit(chunks[:3])
    shared = ebids.recombined("ebids-stacking")
    assert shared.name == "ebids-stacking" and shared.threshold == scratch.threshold
    assert np.array_equal(shared.score(holdout.features), scratch.score(holdout.features))
    with pytest.raises(ValueError, match="cannot share"):
        ebids.recombined("pooled")


def test_add_chunk_keeps_the_out_of_sample_column(chunks: list[FlowBatch]) -> None:
    det = DETECTORS["ebids"](FAST).fit(chunks[:2])
    det.add_chunk(chunks[2])
    assert det.ensemble is not None and det.ensemble.pool_oof is not None
    assert det.ensemble.pool_oof.shape == det.ensemble.pool_y.shape


def test_choose_threshold() -> None:
    y = np.array([0] * 10 + [1] * 10)
    scores = np.array([0.1] * 10 + [0.3] * 10)
    # Every cut in (0.1, 0.3] separates perfectly; the one nearest 0.5 wins the tie.
    assert choose_threshold(y, scores) == pytest.approx(0.3)
    assert choose_threshold(y, np.array([0.2] * 10 + [0.8] * 10)) == pytest.approx(0.5)
    # Too few attacks to choose from: 0.5 stays.
    assert choose_threshold(np.array([0] * 10 + [1] * 2), np.full(12, 0.3)) == 0.5


def _without(data: bytes, manifest_key: str, weight_keys: tuple[str, ...]) -> bytes:
    """A model file as threatmesh wrote it before thresholds, gate prior and cross-fitting."""
    src = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(src.read("manifest.json"))
    manifest.pop(manifest_key)
    state = torch.load(io.BytesIO(src.read("weights.pt")), weights_only=True)
    for key in weight_keys:
        state.pop(key, None)
    state["ensemble"].pop("combiner.prior", None)
    buf = io.BytesIO()
    torch.save(state, buf)
    members = {"preprocessing.json": src.read("preprocessing.json"), "weights.pt": buf.getvalue()}
    manifest["sha256"] = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("manifest.json", json.dumps(manifest))
        for name, blob in members.items():
            dst.writestr(name, blob)
    return out.getvalue()


def test_threshold_in_the_manifest_and_older_files_still_load(
    ebids: Detector, holdout: FlowBatch
) -> None:
    data = modelfile.dumps(ebids)
    back, manifest = modelfile.loads(data, "m.ebids")
    assert manifest["threshold"] == ebids.threshold == back.threshold
    old, _ = modelfile.loads(_without(data, "threshold", ("pool_oof",)), "old.ebids")
    assert old.threshold == 0.5 and old.ensemble is not None and old.ensemble.pool_oof is None
    # No prior in the file: the gate is a plain softmax, as it was when written.
    assert old.ensemble.net is not None
    combiner = old.ensemble.net.combiner
    assert isinstance(combiner, MixtureOfExperts)
    assert torch.equal(combiner.prior, torch.zeros(len(ebids.models)))
    assert not np.array_equal(old.score(holdout.features), ebids.score(holdout.features))
