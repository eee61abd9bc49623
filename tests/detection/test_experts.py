"""An imported expert under the guarded combiner: our decisions kept, its alarms cut
on our benign flows, and the whole saved, read back and exported as one graph."""

from __future__ import annotations

import numpy as np
import pytest

from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.combiners import GuardedCombiner
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.experts import with_expert
from threatmesh.detection.metrics import allowed_above
from threatmesh.detection.network import TrainConfig, predict
from threatmesh.detection.onnx_runtime import OnnxScorer, export

FAST = TrainConfig(epochs=3, batch=256, seed=0)


@pytest.fixture(scope="module")
def ours(chunks: list[FlowBatch]) -> Detector:
    """The importer: days 1 and 3."""
    return DETECTORS["ebids"](FAST).fit([chunks[0], chunks[2]])


@pytest.fixture(scope="module")
def theirs(chunks: list[FlowBatch]) -> tuple[Detector, bytes]:
    """The imported model (day 2, attacks the importer never saw) and its file."""
    det = DETECTORS["ebids"](TrainConfig(epochs=3, batch=256, seed=1)).fit([chunks[1]])
    return det, modelfile.dumps(det)


@pytest.fixture(scope="module")
def guarded(ours: Detector, theirs: tuple[Detector, bytes], chunks: list[FlowBatch]) -> Detector:
    det, data = theirs
    calibration = [chunks[0], chunks[2]]
    return with_expert(
        ours, "B", det, source=data, combiner="ebids-guarded", calibration=calibration
    )


def _parts(det: Detector) -> tuple[GuardedCombiner, float]:
    assert det.ensemble is not None and det.ensemble.net is not None
    combiner = det.ensemble.net.combiner
    assert isinstance(combiner, GuardedCombiner)
    return combiner, float(combiner.cut[det.models.index("imported:B")])


def test_without_an_imported_expert_guarded_is_the_mixture(
    ours: Detector, holdout: FlowBatch
) -> None:
    same = ours.recombined("ebids-guarded")
    assert same.threshold == ours.threshold
    assert np.array_equal(same.score(holdout.features), ours.score(holdout.features))


def test_the_expert_only_adds_alarms_above_its_cut(
    guarded: Detector, ours: Detector, theirs: tuple[Detector, bytes], holdout: FlowBatch
) -> None:
    _, cut = _parts(guarded)
    assert cut >= theirs[0].threshold
    assert guarded.threshold == ours.threshold
    assert guarded.ensemble is not None
    x = guarded.preprocessor.transform(holdout.features)
    expert = guarded.ensemble.base_scores(x)["imported:B"]
    after, before = guarded.score(holdout.features), ours.score(holdout.features)
    quiet = expert <= cut
    assert quiet.any() and (~quiet).any()
    assert np.allclose(after[quiet], before[quiet], atol=1e-6)  # our decisions stand
    assert (after[~quiet] >= guarded.threshold).all()  # its alarms decide


def test_the_cut_keeps_the_budget_on_our_benign_flows(
    guarded: Detector, chunks: list[FlowBatch]
) -> None:
    _, cut = _parts(guarded)
    assert guarded.ensemble is not None and guarded.ensemble.calibration_x is not None
    benign = guarded.ensemble.calibration_x
    expected = sum(int((~c.attack_mask()).sum()) for c in (chunks[0], chunks[2]))
    assert len(benign) == expected
    k = guarded.models.index("imported:B")
    above = int((predict(guarded.ensemble.bases[k], benign) > cut).sum())
    alpha, delta = GuardedCombiner.ALPHA, GuardedCombiner.DELTA
    assert above <= allowed_above(len(benign), alpha, delta)


def test_saved_read_back_and_exported_it_scores_the_same(
    guarded: Detector, holdout: FlowBatch
) -> None:
    again, manifest = modelfile.loads(modelfile.dumps(guarded), "guarded")
    assert manifest["combiner"] == "guarded"
    assert _parts(again)[1] == _parts(guarded)[1]
    sample = holdout.features[:300]
    assert np.allclose(again.score(sample), guarded.score(sample), atol=1e-6)
    # A later retraining cuts on the same benign flows (they are saved).
    assert again.ensemble is not None and guarded.ensemble is not None
    assert again.ensemble.calibration_x is not None
    assert np.array_equal(again.ensemble.calibration_x, guarded.ensemble.calibration_x)
    assert np.allclose(OnnxScorer(export(guarded), guarded).score(sample),
                       guarded.score(sample), atol=1e-4)  # fmt: skip


def test_calibration_without_benign_flows_is_refused(
    ours: Detector, theirs: tuple[Detector, bytes], chunks: list[FlowBatch]
) -> None:
    day = chunks[1]
    assert day.labels is not None
    attacks = np.flatnonzero(day.attack_mask())
    only = FlowBatch("attacks", [day.identity[i] for i in attacks], day.features[attacks],
                     [day.labels[i] for i in attacks])  # fmt: skip
    with pytest.raises(ValueError, match="no benign flow"):
        with_expert(ours, "B", theirs[0], combiner="ebids-guarded", calibration=[only])
