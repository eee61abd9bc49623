"""A batch of flows: who talked to whom (identity), their features, maybe their labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


@dataclass
class FlowBatch:
    """Rows of one source; ``features`` columns follow ``features.CIC_FEATURES``."""

    source: str
    identity: list[dict[str, Any]]
    features: Matrix
    labels: list[str] | None = None

    def __len__(self) -> int:
        return len(self.identity)

    def attack_mask(self) -> npt.NDArray[np.bool_]:
        """True where the label is an attack (anything but BENIGN)."""
        if self.labels is None:
            raise ValueError(f"{self.source}: flows have no labels")
        return np.array([lab.strip().upper() != "BENIGN" for lab in self.labels])


def concat(batches: list[FlowBatch], source: str) -> FlowBatch:
    """One batch from many (labels kept only if every batch has them)."""
    labels: list[str] | None = []
    identity: list[dict[str, Any]] = []
    for b in batches:
        identity.extend(b.identity)
        if b.labels is None or labels is None:
            labels = None
        else:
            labels.extend(b.labels)
    width = batches[0].features.shape[1] if batches else 0
    feats = np.vstack([b.features for b in batches]) if batches else np.zeros((0, width))
    return FlowBatch(source, identity, feats, labels)
