"""Organisations A and B share a model, not their traffic (issue 17, point 5).

On the lab captures (``tests/detection/data``): the attack classes of days 1-4 are split
between two organisations; each also gets its own half of every day's benign flows
(seeded), and learns from the days on which it saw its attacks. A trains EBIDS on its
attack types, B on the others; B publishes its model, A imports it as one more expert
and retrains its combiner on its own data only (it has no flow of B's attacks). Scored
on the held-out capture, split into benign + A's types and benign + B's types, at each
model's own threshold. Printed per seed and as means: macro-F1 of A before, A after
(each combiner refitted; ``ebids-guarded`` twice: the imported expert's cut set on A's
combiner pool, then on all of A's own benign flows), A's own ensemble under the max
combiner without B's model (what the max gains by itself), B's model alone, and, as a
reference, EBIDS trained on both organisations' flows (what sharing traffic instead of
a model would give); ratios are against A before, measured in the same run.

    python -m bench.models [--seeds 3] [--first 0] [--epochs 30] [--split dos] [--threads 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import Detector
from threatmesh.detection.experts import with_expert
from threatmesh.detection.metrics import report
from threatmesh.services.detect.training import load_chunk, train

DATA = Path(__file__).resolve().parents[1] / "tests" / "detection" / "data"
#: B's attack classes per split; A has the other classes of days 1-4.
SPLITS = {
    "dos": ("DoS-Hping", "Slowloris"),
    "recon": ("PortScan", "SSH-Patator"),
}
AFTER = ("ebids", "ebids-max", "ebids-stacking", "ebids-average", "ebids-guarded")


def _rows(batch: FlowBatch, rows: np.ndarray) -> FlowBatch:
    assert batch.labels is not None
    labels = [batch.labels[i] for i in rows]
    return FlowBatch(batch.source, [batch.identity[i] for i in rows], batch.features[rows], labels)


def organisations(
    days: list[FlowBatch], b_types: tuple[str, ...], seed: int
) -> tuple[list[FlowBatch], list[FlowBatch]]:
    """(A's chunks, B's chunks): each day's benign flows halved, attacks by class."""
    rng = np.random.default_rng(seed)
    a_chunks, b_chunks = [], []
    for day in days:
        labels = np.array(day.labels)
        benign = np.flatnonzero(labels == "BENIGN")
        half = rng.permutation(benign)
        a_benign, b_benign = half[: len(half) // 2], half[len(half) // 2 :]
        in_b = np.isin(labels, b_types)
        a_attacks = np.flatnonzero(~in_b & (labels != "BENIGN"))
        b_attacks = np.flatnonzero(in_b)
        if len(a_attacks):
            a_chunks.append(_rows(day, np.sort(np.concatenate([a_benign, a_attacks]))))
        if len(b_attacks):
            b_chunks.append(_rows(day, np.sort(np.concatenate([b_benign, b_attacks]))))
    return a_chunks, b_chunks


def _f1(det: Detector, test: FlowBatch) -> float:
    assert test.labels is not None
    return float(report(test.labels, det.score(test.features), det.threshold)["macro_f1"])


def run(seed: int, epochs: int, b_types: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """(macro-F1 on A's types, on B's types) of each model, for one seed."""
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    holdout = load_chunk(DATA / "holdout.flows.csv")
    labels = np.array(holdout.labels)
    on_b = _rows(holdout, np.flatnonzero((labels == "BENIGN") | np.isin(labels, b_types)))
    on_a = _rows(holdout, np.flatnonzero(~np.isin(labels, b_types)))
    a_chunks, b_chunks = organisations(days, b_types, seed)
    a = train(a_chunks, detector="ebids", epochs=epochs, seed=seed)
    b = train(b_chunks, detector="ebids", epochs=epochs, seed=seed + 100)
    both = train(a_chunks + b_chunks, detector="ebids", epochs=epochs, seed=seed)
    models = {
        "A before": a,
        "A alone, ebids-max (no B's model)": a.recombined("ebids-max"),
        "B's model alone": b,
        "A+B traffic (reference)": both,
    }
    for combiner in AFTER:
        models[f"A + B's model ({combiner})"] = with_expert(a, "B", b, combiner=combiner)
    # The cut set on every benign flow of A's (the imported model never saw any of them).
    models["A + B's model (ebids-guarded, cut on A's flows)"] = with_expert(
        a, "B", b, combiner="ebids-guarded", calibration=a_chunks
    )
    return {name: (_f1(det, on_a), _f1(det, on_b)) for name, det in models.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first", type=int, default=0, help="first seed (runs in parallel)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--split", choices=sorted(SPLITS), default="dos")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    b_types = SPLITS[args.split]
    print(f"B's attack types: {', '.join(b_types)}; A's: the other classes of days 1-4")
    runs = []
    for seed in range(args.first, args.first + args.seeds):
        figures = run(seed, args.epochs, b_types)
        runs.append(figures)
        for name, (own, theirs) in figures.items():
            print(f"seed {seed} {name}: A's types {own:.4f}, B's types {theirs:.4f}")
    base_own = np.mean([r["A before"][0] for r in runs])
    base_b = np.mean([r["A before"][1] for r in runs])
    print(f"means over {args.seeds} seeds (ratio vs A before, same run):")
    for name in runs[0]:
        own = np.array([r[name][0] for r in runs])
        theirs = np.array([r[name][1] for r in runs])
        print(
            f"  {name}: A's types {own.mean():.4f} (min {own.min():.4f}, "
            f"x{own.mean() / base_own:.3f}); B's types {theirs.mean():.4f} "
            f"(min {theirs.min():.4f}, x{theirs.mean() / base_b:.3f})"
        )


if __name__ == "__main__":
    main()
