"""Detection metrics: macro-F1 at a threshold, and per-class figures as in the paper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

from threatmesh.detection.schedule import BENIGN


def macro_f1(y: npt.NDArray[Any], scores: npt.NDArray[Any], threshold: float = 0.5) -> float:
    """Macro-F1 over the two classes (benign, attack) at ``threshold``."""
    pred = (scores >= threshold).astype(int)
    return float(f1_score(y.astype(int), pred, average="macro", labels=[0, 1], zero_division=0))


def best_threshold_f1(y: npt.NDArray[Any], scores: npt.NDArray[Any]) -> tuple[float, float]:
    """Macro-F1 at 0.5 (the threshold the service uses); returned as (0.5, f1)."""
    return 0.5, macro_f1(y, scores)


# Candidate decision thresholds, and how many flows of each class a validation set
# needs before one is chosen from it (below that, 0.5 stays: too few to tell).
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 19))
MIN_PER_CLASS = 5


def can_choose(y: npt.NDArray[Any]) -> bool:
    """Whether validation flows labelled ``y`` are enough to choose between candidates."""
    attacks = int((y > 0.5).sum())
    return min(attacks, len(y) - attacks) >= MIN_PER_CLASS


def choose_threshold(y: npt.NDArray[Any], scores: npt.NDArray[Any]) -> float:
    """The threshold of best macro-F1 on validation flows; ties go to the one nearest 0.5."""
    if not can_choose(y):
        return 0.5
    ranked = sorted(THRESHOLDS, key=lambda t: (-macro_f1(y, scores, t), abs(t - 0.5)))
    return float(ranked[0])


def allowed_above(n: int, alpha: float, delta: float) -> int:
    """How many of ``n`` benign scores a Neyman-Pearson threshold may leave above it: the
    largest ``m`` with P(Binomial(n, alpha) <= m) <= ``delta`` (0 when none is: too few
    flows for the bound, fewer than log(delta) / log(1 - alpha))."""
    i = np.arange(1, n + 1)
    log_choose = np.concatenate([[0.0], np.cumsum(np.log(n - i + 1) - np.log(i))])
    j = np.arange(n + 1)
    cdf = np.cumsum(np.exp(log_choose + j * np.log(alpha) + (n - j) * np.log1p(-alpha)))
    return max(int(np.count_nonzero(cdf <= delta)) - 1, 0)


def np_threshold(benign: npt.NDArray[Any], alpha: float, delta: float) -> float:
    """A score threshold with at most ``alpha`` of benign traffic above it, with
    probability at least 1 - ``delta`` over the ``benign`` sample it is set on (scores of
    flows drawn from that traffic, never trained on): the Neyman-Pearson umbrella
    algorithm (Tong, Feng and Li, Science Advances 4(2), 2018), the order statistic with
    the most scores above it that the bound allows. Flows scoring strictly above it are
    alarms. With too few flows for the bound, the highest benign score."""
    if len(benign) == 0:
        raise ValueError("no benign scores to set a threshold on")
    ranked = np.sort(np.asarray(benign, np.float64))
    return float(ranked[len(ranked) - 1 - allowed_above(len(ranked), alpha, delta)])


def _auc(y: npt.NDArray[Any], s: npt.NDArray[Any]) -> tuple[float | None, float | None]:
    if len(set(y.tolist())) < 2:
        return None, None
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def report(
    labels: Sequence[str], scores: npt.NDArray[Any], threshold: float = 0.5
) -> dict[str, Any]:
    """Overall binary figures plus, per attack class, that class against BENIGN flows."""
    labels_arr = np.array([lab.strip() for lab in labels])
    y = (labels_arr != BENIGN).astype(int)
    pred = (scores >= threshold).astype(int)
    p, r, f, _ = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    roc, pr = _auc(y, scores)
    out: dict[str, Any] = {
        "flows": len(y),
        "attacks": int(y.sum()),
        "macro_f1": float(np.mean(f)),
        "attack": {
            "precision": float(p[1]),
            "recall": float(r[1]),
            "f1": float(f[1]),
            "roc_auc": roc,
            "pr_auc": pr,
        },
        "benign": {"precision": float(p[0]), "recall": float(r[0]), "f1": float(f[0])},
        "classes": {},
    }
    benign = labels_arr == BENIGN
    for cls in sorted(set(labels_arr.tolist()) - {BENIGN}):
        mask = benign | (labels_arr == cls)
        yc, pc, sc = y[mask], pred[mask], scores[mask]
        cp, cr, cf, _ = precision_recall_fscore_support(yc, pc, labels=[1], zero_division=0)
        c_roc, c_pr = _auc(yc, sc)
        out["classes"][cls] = {
            "flows": int(yc.sum()),
            "precision": float(cp[0]),
            "recall": float(cr[0]),
            "f1": float(cf[0]),
            "roc_auc": c_roc,
            "pr_auc": c_pr,
        }
    return out
