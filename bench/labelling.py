"""Analyst labels: active (the analyst queue's rule) against random labelling, and
honeypot positives, measured as macro-F1 on the lab's held-out capture.

The pool is the four lab days (``tests/detection/data/day1-4``, 4,250 flows), their true
labels the oracle an analyst would be. Each run starts from a small labelled seed set
(``--seed-labels`` random flows per day), trains EBIDS on it, then adds analyst labels
until ``N`` of them are spent, for each N of ``--budgets``, retraining after each round:

* ``random``: the next labels are unlabelled flows drawn uniformly;
* ``active``: the unlabelled flows the analyst queue would put first
  (:func:`threatmesh.services.detect.analyst.doubt`: the confidence nearest the
  detector's threshold; every flow is scored, not only the published detections);
* ``mixed``: half of each round by the queue's rule, half at random (the random half
  keeps the labelled set, on which EBIDS picks its epochs and threshold, representative);
* ``random+honeypot``: random labels plus verified positives at no analyst cost: the
  days' SSH brute-force flows (hydra against a real sshd: the traffic an SSH honeypot
  receives, where every flow of an attacking session is an attack);
* ``random+cowrie``: random labels plus the positives a real Cowrie sensor gives: the
  SSH-Patator flows of ``tests/detection/data/cowrie-ssh.flows.csv`` (the lab's hydra and
  logins recorded at Cowrie, labelled from Cowrie's log by ``honeynet schedule``; made by
  ``make cowrie-sample``). They are not in the pool; the pool's own SSH flows stay
  there, drawn at random like any other.

Also the full-label F1 (every pool label) and, per strategy, the fewest labels whose mean
F1 over seeds reaches 95 % and 99 % of it. The preprocessor is fitted on every pool flow
(features cost nothing; labels do).

    python -m bench.labelling [--seeds 4] [--first-seed 0] [--epochs 10] [--threads 1]
        [--strategies random,active,mixed,random+honeypot,random+cowrie]
        [--budgets 25,50,100,200,400] [--cowrie-flows 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from bench.common import machine

from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import DETECTORS, Detector, chunks_of
from threatmesh.detection.ensemble import Ensemble
from threatmesh.detection.metrics import report
from threatmesh.detection.network import TrainConfig
from threatmesh.detection.preprocessing import Preprocessor
from threatmesh.services.detect.analyst import doubt
from threatmesh.services.detect.training import load_chunk

DATA = Path(__file__).resolve().parents[1] / "tests" / "detection" / "data"
COWRIE = DATA / "cowrie-ssh.flows.csv"
HONEYPOT_CLASS = "SSH-Patator"
STRATEGIES = ("random", "active", "mixed", "random+honeypot", "random+cowrie")
Picked = list[np.ndarray]  # per day: indices of the labelled flows


def _subset(batch: FlowBatch, rows: np.ndarray) -> FlowBatch:
    assert batch.labels is not None
    rows = np.sort(rows)
    return FlowBatch(
        batch.source,
        [batch.identity[i] for i in rows],
        batch.features[rows],
        [batch.labels[i] for i in rows],
    )


def _fit(
    days: Sequence[FlowBatch],
    picked: Picked,
    pre: Preprocessor,
    cfg: TrainConfig,
    extra: Sequence[FlowBatch] = (),
) -> Detector:
    """EBIDS trained on the picked flows of each day (one chunk per day, as `detect train`),
    and on the ``extra`` chunks whole."""
    det = DETECTORS["ebids"](cfg)
    det.preprocessor = pre
    parts = [_subset(d, rows) for d, rows in zip(days, picked, strict=True) if len(rows)]
    parts += list(extra)
    assert det.combiner is not None
    det.ensemble = Ensemble(pre, det.combiner, cfg).fit(chunks_of(parts, pre))
    det.threshold = det.ensemble.threshold
    return det


def _f1(det: Detector, holdout: FlowBatch) -> float:
    assert holdout.labels is not None
    return float(report(holdout.labels, det.score(holdout.features), det.threshold)["macro_f1"])


def _choose(
    strategy: str,
    det: Detector,
    days: Sequence[FlowBatch],
    picked: Picked,
    count: int,
    rng: np.random.Generator,
) -> Picked:
    """``picked`` plus ``count`` more flows, chosen by ``strategy`` across all days."""
    free = [
        (d, i)
        for d, day in enumerate(days)
        for i in np.setdiff1d(np.arange(len(day)), picked[d]).tolist()
    ]
    chosen: list[tuple[int, int]] = []
    if strategy in {"active", "mixed"}:
        scores = [det.score(day.features) for day in days]
        order = sorted(
            free, key=lambda di: doubt(float(scores[di[0]][di[1]]), det.threshold, False)
        )
        chosen = order[: count if strategy == "active" else count // 2]
    if len(chosen) < count:
        taken = set(chosen)
        rest = [di for di in free if di not in taken]
        chosen += [rest[j] for j in rng.permutation(len(rest))[: count - len(chosen)]]
    out = [list(rows) for rows in picked]
    for d, i in chosen:
        out[d].append(i)
    return [np.array(rows, dtype=int) for rows in out]


def _honeypot(days: Sequence[FlowBatch], picked: Picked) -> Picked:
    """``picked`` plus every flow of the honeypot-like class (free verified positives)."""
    out = []
    for day, rows in zip(days, picked, strict=True):
        assert day.labels is not None
        extra = [i for i, lab in enumerate(day.labels) if lab == HONEYPOT_CLASS]
        out.append(np.union1d(rows, np.array(extra, dtype=int)).astype(int))
    return out


def cowrie_positives(path: Path = COWRIE, count: int = 0) -> FlowBatch:
    """The honeypot class's flows of a Cowrie-recorded sample: its verified positives
    (``count`` of them drawn at random, seeded, when not 0)."""
    batch = load_chunk(path)
    assert batch.labels is not None
    rows = np.array([i for i, lab in enumerate(batch.labels) if lab == HONEYPOT_CLASS])
    if count:
        rows = np.random.default_rng(0).permutation(rows)[:count]
    part = _subset(batch, rows)
    part.source = "cowrie"
    return part


def _run(
    seed: int,
    days: Sequence[FlowBatch],
    holdout: FlowBatch,
    pre: Preprocessor,
    args: argparse.Namespace,
) -> dict[str, list[float]]:
    cfg = TrainConfig(epochs=args.epochs, seed=seed)
    rng = np.random.default_rng(seed)
    start = [rng.permutation(len(d))[: args.seed_labels] for d in days]
    seed_det = _fit(days, start, pre, cfg)
    curves: dict[str, list[float]] = {"seed set": [_f1(seed_det, holdout)]}
    for strategy in args.strategies:
        picked, det, spent, curve = start, seed_det, 0, []
        pick_rng = np.random.default_rng(seed + 1)  # random and random+honeypot: same draws
        for budget in args.budgets:
            how = "random" if strategy.startswith("random") else strategy
            picked = _choose(how, det, days, picked, budget - spent, pick_rng)
            spent = budget
            train_on = _honeypot(days, picked) if strategy.endswith("honeypot") else picked
            extra = [args.cowrie] if strategy.endswith("cowrie") else []
            det = _fit(days, train_on, pre, cfg, extra)
            curve.append(_f1(det, holdout))
        curves[strategy] = curve
        print(f"seed {seed} {strategy:<16} " + " ".join(f"{f:.4f}" for f in curve), flush=True)
    full = _fit(days, [np.arange(len(d)) for d in days], pre, cfg)
    curves["full"] = [_f1(full, holdout)]
    print(f"seed {seed} seed set {curves['seed set'][0]:.4f}, full {curves['full'][0]:.4f}")
    return curves


def _needed(budgets: Sequence[int], mean: np.ndarray, target: float) -> str:
    hit = [b for b, f in zip(budgets, mean, strict=True) if f >= target]
    return str(hit[0]) if hit else f">{budgets[-1]}"


def _table(runs: list[dict[str, list[float]]], args: argparse.Namespace) -> None:
    budgets, seed_labels = args.budgets, args.seed_labels
    full = float(np.mean([r["full"][0] for r in runs]))
    seed_f1 = float(np.mean([r["seed set"][0] for r in runs]))
    print(f"\nmacro-F1 on the held-out capture, mean (min) over {len(runs)} seeds")
    print(f"seed set ({seed_labels} per day): {seed_f1:.4f}; all labels: {full:.4f}")
    print("| strategy | " + " | ".join(f"N={b}" for b in budgets) + " | N for 95% | N for 99% |")
    print("|---|" + "---|" * (len(budgets) + 2))
    for strategy in args.strategies:
        curves = np.array([r[strategy] for r in runs])
        mean, low = curves.mean(axis=0), curves.min(axis=0)
        cells = [f"{m:.4f} ({lo:.4f})" for m, lo in zip(mean, low, strict=True)]
        need = [_needed(budgets, mean, q * full) for q in (0.95, 0.99)]
        print(f"| {strategy} | " + " | ".join(cells) + f" | {need[0]} | {need[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run: first, first+1, ...")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1 is fastest on a busy machine)"
    )
    parser.add_argument("--seed-labels", type=int, default=10, help="random labels per day")
    parser.add_argument(
        "--budgets", type=lambda s: [int(x) for x in s.split(",")], default=[25, 50, 100, 200, 400]
    )
    parser.add_argument(
        "--strategies",
        type=lambda s: s.split(","),
        default=list(STRATEGIES),
        help=f"comma-separated, of {', '.join(STRATEGIES)}",
    )
    parser.add_argument(
        "--cowrie-flows", type=int, default=0, help="random+cowrie: this many (0: all)"
    )
    args = parser.parse_args()
    if unknown := set(args.strategies) - set(STRATEGIES):
        parser.error(f"unknown strategies {', '.join(sorted(unknown))}")
    torch.set_num_threads(max(args.threads, 1))
    print(machine())
    if "random+cowrie" in args.strategies:
        args.cowrie = cowrie_positives(count=args.cowrie_flows)
        print(f"random+cowrie: {len(args.cowrie)} Cowrie-recorded positives")
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    holdout = load_chunk(DATA / "holdout.flows.csv")
    pre = Preprocessor().fit(d.features for d in days)
    t0 = time.perf_counter()
    runs = [
        _run(seed, days, holdout, pre, args)
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    _table(runs, args)
    print(f"({time.perf_counter() - t0:.0f} s, {args.epochs} epochs, {args.threads} threads)")


if __name__ == "__main__":
    main()
