"""How SSH brute-force flows recorded at a real Cowrie differ from the lab's (hydra
against OpenSSH's sshd), and how EBIDS trained on the lab's days scores them.

The Cowrie flows are ``tests/detection/data/cowrie-ssh.flows.csv`` (``make
cowrie-sample``: the lab's hydra command line and password logins with commands, run
against Cowrie where the lab's sshd would be, labelled from Cowrie's log); the lab's are
the SSH-Patator flows of ``day1-4`` and of the held-out capture. Printed: the median of
a few features of each, then, per seed, EBIDS trained on every label of days 1-4, its
macro-F1 on the held-out capture and its recall (flows at or above its threshold) on
the held-out capture's SSH flows and on the Cowrie flows, all of them and by length.

    python -m bench.cowrie_flows [--seeds 4] [--epochs 10] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench.common import machine
from bench.labelling import DATA, HONEYPOT_CLASS, _f1, _fit, cowrie_positives

from threatmesh.detection.batch import FlowBatch, concat
from threatmesh.detection.features import CIC_FEATURES
from threatmesh.detection.network import TrainConfig
from threatmesh.detection.preprocessing import Preprocessor
from threatmesh.services.detect.training import load_chunk

FEATURES = (
    "Flow Duration",
    "Total Fwd Packets",
    "Total Backward Packets",
    "Total Length of Fwd Packets",
    "Total Length of Bwd Packets",
    "Bwd Packet Length Max",
    "Flow IAT Mean",
    "Flow IAT Max",
    "Init_Win_bytes_forward",
    "Init_Win_bytes_backward",
)


def _ssh(batch: FlowBatch) -> FlowBatch:
    assert batch.labels is not None
    return _rows(batch, np.array([lab == HONEYPOT_CLASS for lab in batch.labels]))


def _rows(batch: FlowBatch, keep: np.ndarray) -> FlowBatch:
    rows = np.flatnonzero(keep)
    labels = [HONEYPOT_CLASS] * len(rows)
    return FlowBatch(batch.source, [batch.identity[i] for i in rows], batch.features[rows], labels)


def _medians(named: dict[str, FlowBatch]) -> None:
    print("| feature (median) | " + " | ".join(f"{k} ({len(b)})" for k, b in named.items()) + " |")
    print("|---|" + "---|" * len(named))
    for name in FEATURES:
        col = CIC_FEATURES.index(name)
        cells = [f"{float(np.median(b.features[:, col])):.6g}" for b in named.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(max(args.threads, 1))
    print(machine())
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    holdout = load_chunk(DATA / "holdout.flows.csv")
    cowrie = cowrie_positives()
    lab_ssh = concat([_ssh(d) for d in days], "lab")
    # Cowrie's flows by length: hydra's connections run ~18 password attempts each before
    # Cowrie drops them (15-21 s); the logins with a command and hydra's first probes are
    # short (under 0.2 s), as every connection of the lab's sshd (MaxAuthTries 2) is.
    duration = cowrie.features[:, CIC_FEATURES.index("Flow Duration")]
    long, short = (_rows(cowrie, duration >= 1e6), _rows(cowrie, duration < 1e6))
    named = {"lab sshd, days 1-4": lab_ssh, "lab sshd, held out": _ssh(holdout)}
    _medians({**named, "Cowrie": cowrie, "Cowrie >= 1 s": long, "Cowrie < 1 s": short})
    print(f"\nCowrie flows: {len(long)} of 1 s or more, {len(short)} shorter")
    pre = Preprocessor().fit(d.features for d in days)
    t0 = time.perf_counter()
    print("\n| seed | macro-F1 held out | recall: held-out SSH | Cowrie | Cowrie >= 1 s | "
          "Cowrie < 1 s | threshold |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for seed in range(args.seeds):
        cfg = TrainConfig(epochs=args.epochs, seed=seed)
        det = _fit(days, [np.arange(len(d)) for d in days], pre, cfg)
        parts = (_ssh(holdout), cowrie, long, short)
        recall = [float((det.score(b.features) >= det.threshold).mean()) for b in parts]
        cells = [f"{_f1(det, holdout):.4f}", *(f"{r:.3f}" for r in recall)]
        print(f"| {seed} | " + " | ".join(cells) + f" | {det.threshold:.2f} |")
    print(f"({time.perf_counter() - t0:.0f} s, {args.epochs} epochs, {args.threads} threads)")


if __name__ == "__main__":
    main()
