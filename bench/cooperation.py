"""What the second detector adds to EBIDS on the lab's held-out capture.

EBIDS is trained on the lab's four days (``tests/detection/data/day1-4``), the anomaly
detector's benign profile on the same days' benign flows only; both score the held-out
capture (``holdout``: every attack type, unseen flows). Printed per seed: each detector's
recall and false-positive rate at its operating threshold (EBIDS 0.75, anomaly 0.99),
the attacks the anomaly detector catches that EBIDS missed, and EBIDS's false positives
the anomaly detector disagrees with (which its review marks as doubtful).

    python -m bench.cooperation [--seeds 3] [--epochs 30]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from threatmesh.detection.anomaly import BenignProfile
from threatmesh.services.detect.training import load_chunk, train

DATA = Path(__file__).resolve().parents[1] / "tests" / "detection" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument(
        "--days", default="1,2,3,4", help="lab days EBIDS learns from (1,3: it never sees a flood)"
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in args.days.split(",")]
    holdout = load_chunk(DATA / "holdout.flows.csv")
    attack = holdout.attack_mask()
    labels = np.array(holdout.labels)
    every_day = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    profile = BenignProfile.fit(np.vstack([b.features[~b.attack_mask()] for b in every_day]))
    print(f"EBIDS learns from days {args.days}: {sorted(set().union(*(d.labels for d in days)))}")
    anomalous = profile.score(holdout.features) >= 0.99
    print(f"held-out flows: {len(holdout)} ({int(attack.sum())} attacks)")
    print(f"anomaly: recall {anomalous[attack].mean():.3f}, FPR {anomalous[~attack].mean():.4f}")
    for lab in sorted(set(holdout.labels) - {"BENIGN"}):
        print(f"  {lab}: anomaly flags {anomalous[labels == lab].mean():.3f}")
    for seed in range(args.seeds):
        det = train(days, detector="ebids", epochs=args.epochs, seed=seed)
        fired = det.score(holdout.features) >= 0.75
        missed = attack & ~fired
        false = ~attack & fired
        both = fired | anomalous
        print(
            f"seed {seed}: EBIDS recall {fired[attack].mean():.3f}, "
            f"FPR {fired[~attack].mean():.4f}; of {int(missed.sum())} attacks EBIDS missed "
            f"the anomaly detector flags {int((missed & anomalous).sum())}; of "
            f"{int(false.sum())} EBIDS false positives it disagrees with "
            f"{int((false & ~anomalous).sum())}; union recall {both[attack].mean():.3f} "
            f"at FPR {both[~attack].mean():.4f}"
        )
        for lab in sorted(set(holdout.labels) - {"BENIGN"}):
            k = labels == lab
            print(f"  {lab}: EBIDS {fired[k].mean():.3f}, with the anomaly {both[k].mean():.3f}")


if __name__ == "__main__":
    main()
