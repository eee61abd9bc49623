"""Use case: the paper's evaluation on lab data.

Every chunk is split 70/30 (seeded); the 30% parts pooled are the held-out split. The
detectors learn from the 70% parts, using all, 10% or 1% of their labels (the same
flows for every detector), and are scored on the held-out split and on a held-out
capture: a separate lab run that no model saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from threatmesh.detection.batch import FlowBatch, concat
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.ensemble import split
from threatmesh.detection.metrics import report
from threatmesh.detection.network import TrainConfig
from threatmesh.services.detect.training import train

Progress = Callable[[str], None]


def _take(batch: FlowBatch, rows: np.ndarray) -> FlowBatch:
    labels = [batch.labels[i] for i in rows] if batch.labels is not None else None
    return FlowBatch(batch.source, [batch.identity[i] for i in rows], batch.features[rows], labels)


def holdout_split(chunks: Sequence[FlowBatch], seed: int) -> tuple[list[FlowBatch], FlowBatch]:
    """(the 70% training part of each chunk, the pooled 30% held-out split)."""
    rng = np.random.default_rng(seed)
    trains, tests = [], []
    for chunk in chunks:
        tr, te = split(len(chunk), 0.7, rng)
        trains.append(_take(chunk, tr))
        tests.append(_take(chunk, te))
    return trains, concat(tests, "held-out split")


def evaluate(
    chunks: Sequence[FlowBatch],
    holdouts: Sequence[FlowBatch],
    *,
    detectors: Sequence[str] = ("ebids", "pooled"),
    fractions: Sequence[float] = (1.0, 0.1, 0.01),
    epochs: int = 30,
    seeds: Sequence[int] = (0,),
    validation: bool = False,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Figures per detector, label fraction and seed, on both test sets.

    ``validation``: for choosing a design without touching held-out data, the
    detectors learn from 70% of each training part and are scored on the rest (the
    *validation split*); the held-out split and captures are not used.
    """
    results: list[dict[str, Any]] = []
    for seed in seeds:
        trains, split_test = holdout_split(chunks, seed)
        tests = [split_test, *holdouts]
        if validation:
            trains, val = holdout_split(trains, seed + 1000)
            val.source, tests = "validation split", [val]
        for fraction in fractions:
            fitted: dict[str, Detector] = {}
            for name in detectors:
                det = _fitted(name, trains, fitted, epochs=epochs, fraction=fraction, seed=seed)
                for test in tests:
                    results.append(_figures(det, test, fraction, seed))
                    progress(
                        f"seed {seed} {name} {fraction:.0%} {test.source}: "
                        f"macro-F1 {results[-1]['macro_f1']:.4f}"
                    )
    return {"chunks": [c.source for c in chunks], "epochs": epochs, "results": results}


def _fitted(
    name: str,
    trains: Sequence[FlowBatch],
    fitted: dict[str, Detector],
    **how: Any,
) -> Detector:
    """Detector ``name`` trained on ``trains``; ensembles share one set of base models.

    Combiners are compared on the same base models (trained once, as for the first
    ensemble), which is what training each from scratch gives, in a fraction of the time.
    """
    ensembles = [d for d in fitted.values() if d.ensemble is not None]
    if ensembles and DETECTORS[name](TrainConfig()).combiner is not None:
        det = ensembles[0].recombined(name)
    else:
        det = train(trains, detector=name, **how)
    fitted[name] = det
    return det


def _figures(det: Detector, test: FlowBatch, fraction: float, seed: int) -> dict[str, Any]:
    assert test.labels is not None
    scores = det.score(test.features)
    figures = report(test.labels, scores, det.threshold)
    return {
        "detector": det.name,
        "fraction": fraction,
        "seed": seed,
        "test": test.source,
        "threshold": det.threshold,
        # The same scores cut at 0.5, to show what the chosen threshold changes.
        "macro_f1_at_half": report(test.labels, scores)["macro_f1"],
        **figures,
    }


def summary(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread over seeds, per (test, fraction, detector)."""
    groups: dict[tuple[str, float, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["test"], r["fraction"], r["detector"]), []).append(r)
    rows = []
    for (test, fraction, det), rs in sorted(
        groups.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2])
    ):
        f1 = [r["macro_f1"] for r in rs]
        pr = [r["attack"]["pr_auc"] or 0.0 for r in rs]
        classes = sorted({c for r in rs for c in r["classes"]})
        per_class = {
            c: {
                m: float(np.mean([r["classes"][c][m] or 0.0 for r in rs if c in r["classes"]]))
                for m in ("precision", "recall", "f1", "pr_auc", "roc_auc")
            }
            for c in classes
        }
        rows.append(
            {
                "test": test,
                "fraction": fraction,
                "detector": det,
                "runs": len(rs),
                "macro_f1": float(np.mean(f1)),
                "macro_f1_min": float(np.min(f1)),
                "macro_f1_at_half": float(np.mean([r["macro_f1_at_half"] for r in rs])),
                "threshold": float(np.mean([r["threshold"] for r in rs])),
                "pr_auc": float(np.mean(pr)),
                "roc_auc": float(np.mean([r["attack"]["roc_auc"] or 0.0 for r in rs])),
                "classes": per_class,
            }
        )
    return rows
