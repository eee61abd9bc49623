"""The EBIDS ensemble: one base network per chunk, one on the pooled sample, a combiner.

Split schedule per chunk (as the EBIDS code does): 80% for the chunk's own base model
(itself split 70/30 into fit and validation, keeping the best-macro-F1 epoch) and 20%
into the combiner pool. The pooled network and the combiner learn from that pool.
A new chunk adds a base model and its 20% to the pool, then the combiner is retrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from threatmesh.detection.combiners import COMBINERS, EnsembleNet, Joined
from threatmesh.detection.network import F32, BaseNet, LossFn, TrainConfig, fit, predict, train_base
from threatmesh.detection.preprocessing import Preprocessor

POOL_CAP = 50_000  # rows of the combiner pool kept (and saved) for later retraining


@dataclass(frozen=True)
class Chunk:
    """Preprocessed flows of one chunk of traffic (e.g. one day) with 0/1 labels."""

    name: str
    x: F32
    y: F32


def split(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled indices cut into (first ``fraction``, rest)."""
    order = rng.permutation(n)
    cut = round(n * fraction)
    return order[:cut], order[cut:]


@dataclass
class Ensemble:
    """Base networks (named), a combiner, and the pool it was trained on."""

    preprocessor: Preprocessor
    combiner_name: str = "moe"
    cfg: TrainConfig = field(default_factory=TrainConfig)
    names: list[str] = field(default_factory=list)
    bases: list[BaseNet] = field(default_factory=list)
    validation_f1: dict[str, float] = field(default_factory=dict)
    pool_x: F32 = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    pool_y: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    net: EnsembleNet | None = None

    def fit(self, chunks: Sequence[Chunk]) -> Ensemble:
        """Train a base model per chunk, the pooled model, then the combiner."""
        self.pool_x = np.zeros((0, self.preprocessor.width), np.float32)
        for chunk in chunks:
            self._add_base(chunk)
        pooled, score = self._train(self.pool_x, self.pool_y, seed=len(chunks))
        self.names.append("pooled")
        self.bases.append(pooled)
        self.validation_f1["pooled"] = score
        self._fit_combiner()
        return self

    def add_chunk(self, chunk: Chunk) -> Ensemble:
        """A new chunk: one more base model, its 20% into the pool, combiner retrained."""
        pooled = self.bases.pop()
        self.names.pop()
        self._add_base(chunk)
        self.names.append("pooled")
        self.bases.append(pooled)
        self._fit_combiner()
        return self

    def _train(self, x: F32, y: F32, seed: int) -> tuple[BaseNet, float]:
        rng = np.random.default_rng(self.cfg.seed + seed)
        fit_idx, val_idx = split(len(x), 0.7, rng)
        cfg = TrainConfig(**{**self.cfg.__dict__, "seed": self.cfg.seed + seed})
        return train_base(x[fit_idx], y[fit_idx], x[val_idx], y[val_idx], cfg)

    def _add_base(self, chunk: Chunk) -> None:
        rng = np.random.default_rng(self.cfg.seed + len(self.bases) + 101)
        own, pool = split(len(chunk.x), 0.8, rng)
        net, score = self._train(chunk.x[own], chunk.y[own], seed=len(self.bases))
        self.names.append(f"chunk:{chunk.name}")
        self.bases.append(net)
        self.validation_f1[f"chunk:{chunk.name}"] = score
        self.pool_x = np.vstack([self.pool_x, chunk.x[pool]])[-POOL_CAP:]
        self.pool_y = np.concatenate([self.pool_y, chunk.y[pool]])[-POOL_CAP:]

    def _fit_combiner(self) -> None:
        width = self.preprocessor.width
        combiner = COMBINERS[self.combiner_name](width, len(self.bases))
        if combiner.trainable and len(self.pool_x):
            scores = np.stack([predict(b, self.pool_x) for b in self.bases], axis=1)
            joined_x = np.hstack([self.pool_x, scores]).astype(np.float32)
            rng = np.random.default_rng(self.cfg.seed + 999)
            fit_idx, val_idx = split(len(joined_x), 0.7, rng)
            torch.manual_seed(self.cfg.seed)
            joined = Joined(combiner, width)
            score = fit(
                joined,
                list(combiner.parameters()),
                LossFn(self.cfg),
                joined_x[fit_idx],
                self.pool_y[fit_idx],
                joined_x[val_idx],
                self.pool_y[val_idx],
                self.cfg,
            )
            self.validation_f1["combiner"] = score
        self.net = EnsembleNet(list(self.bases), combiner)
        self.net.eval()

    def score(self, x: F32) -> F32:
        """Attack scores of preprocessed flows."""
        if self.net is None:
            raise ValueError("the ensemble is not fitted")
        return predict(self.net, x)

    def base_scores(self, x: F32) -> dict[str, F32]:
        """Each base model's score, by name (what the combiner weighs)."""
        return {name: predict(b, x) for name, b in zip(self.names, self.bases, strict=True)}
