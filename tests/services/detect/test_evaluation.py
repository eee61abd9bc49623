"""The evaluation use case: held-out data, and the validation split for design choices."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from threatmesh.detection.batch import FlowBatch
from threatmesh.services.detect.evaluation import evaluate, summary
from threatmesh.services.detect.training import load_chunk

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"


@pytest.fixture(scope="module")
def chunks() -> list[FlowBatch]:
    torch.set_num_threads(1)
    return [load_chunk(DATA / f"day{i}.flows.csv") for i in (1, 2, 3)]


def test_validation_leaves_held_out_data_alone(chunks: list[FlowBatch]) -> None:
    holdout = load_chunk(DATA / "holdout.flows.csv")
    figures = evaluate(
        chunks, [holdout], detectors=("ebids", "ebids-max", "pooled"), fractions=(1.0,),
        epochs=2, validation=True,
    )  # fmt: skip
    results = figures["results"]
    assert {r["test"] for r in results} == {"validation split"}
    assert [r["detector"] for r in results] == ["ebids", "ebids-max", "pooled"]
    # 30% of the training parts (70% of each chunk): about 21% of the flows.
    flows = sum(len(c) for c in chunks)
    assert all(abs(r["flows"] - 0.21 * flows) < 0.01 * flows for r in results)
    for row in summary(results):
        assert 0.1 <= row["threshold"] <= 0.9 and 0 <= row["macro_f1_at_half"] <= 1


def test_held_out_figures_at_the_detectors_threshold(chunks: list[FlowBatch]) -> None:
    holdout = load_chunk(DATA / "holdout.flows.csv")
    figures = evaluate(chunks, [holdout], detectors=("pooled",), fractions=(1.0,), epochs=2)
    tests = {r["test"]: r for r in figures["results"]}
    assert set(tests) == {"held-out split", "holdout"}
    assert all("threshold" in r and "macro_f1_at_half" in r for r in tests.values())
