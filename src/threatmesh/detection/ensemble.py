"""The EBIDS ensemble: one base network per chunk, one on the pooled sample, a combiner.

Split schedule per chunk (as the EBIDS code does): 80% for the chunk's own base model
(itself split 70/30 into fit and validation, keeping the best-macro-F1 epoch) and 20%
into the combiner pool, on which the combiner learns. The pooled network learns from
every labelled flow (as the pooled baseline does; under label scarcity the pool alone
is a few dozen flows). The combiner sees out-of-sample scores only: the specialists
never saw the pool, and the pooled expert's column comes from a cross-fitted twin
trained on the specialists' 80% parts. A new chunk adds a base model and its 20% to
the pool, then the combiner is retrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from threatmesh.detection.combiners import COMBINERS, Combiner, EnsembleNet, Joined
from threatmesh.detection.metrics import can_choose, choose_threshold
from threatmesh.detection.network import F32, BaseNet, LossFn, TrainConfig, fit, predict, train_base
from threatmesh.detection.preprocessing import Preprocessor

POOL_CAP = 50_000  # rows of the combiner pool kept (and saved) for later retraining
IMPORTED = "imported:"  # the name prefix of experts trained elsewhere


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


def train_pooled(x: F32, y: F32, cfg: TrainConfig) -> tuple[BaseNet, float, float]:
    """The pooled network: one base model on all the labelled flows given (split 70/30).

    Returns the network, its validation macro-F1 and the decision threshold chosen on
    that validation part.
    """
    fit_idx, val_idx = split(len(x), 0.7, np.random.default_rng(cfg.seed))
    net, f1 = train_base(x[fit_idx], y[fit_idx], x[val_idx], y[val_idx], cfg)
    return net, f1, choose_threshold(y[val_idx], predict(net, x[val_idx]))


@dataclass
class Ensemble:
    """Base networks (named), a combiner, and the pool it was trained on.

    ``pool_oof`` holds, per pool row, the score of a pooled network that never saw that
    row: what the combiner learns to weigh in place of the pooled expert's own score.
    ``threshold`` is the decision threshold chosen on the combiner's validation part.
    ``calibration_x`` holds benign flows of ours on which a calibrated combiner sets
    the cut of each imported expert (by default the pool's benign rows, which no expert
    trained elsewhere ever saw).
    """

    preprocessor: Preprocessor
    combiner_name: str = "moe"
    cfg: TrainConfig = field(default_factory=TrainConfig)
    names: list[str] = field(default_factory=list)
    bases: list[nn.Module] = field(default_factory=list)
    validation_f1: dict[str, float] = field(default_factory=dict)
    pool_x: F32 = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    pool_y: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    net: EnsembleNet | None = None
    pool_oof: F32 | None = None
    threshold: float = 0.5
    calibration_x: F32 | None = None

    def fit(self, chunks: Sequence[Chunk]) -> Ensemble:
        """Train a base model per chunk, the pooled model, then the combiner."""
        self.pool_x = np.zeros((0, self.preprocessor.width), np.float32)
        self.pool_y = np.zeros(0, np.float32)
        own = [self._add_base(chunk) for chunk in chunks]
        pooled, score, _ = train_pooled(
            np.vstack([c.x for c in chunks]), np.concatenate([c.y for c in chunks]), self.cfg
        )
        self.names.append("pooled")
        self.bases.append(pooled)
        self.validation_f1["pooled"] = score
        # Cross-fitting: a second pooled network on the specialists' parts only scores
        # the pool out of sample, as the specialists do, so the combiner does not learn
        # to trust the pooled expert on flows it memorised.
        proxy, _, _ = train_pooled(
            np.vstack([c.x for c in own]), np.concatenate([c.y for c in own]), self.cfg
        )
        self.pool_oof = predict(proxy, self.pool_x)
        self._fit_combiner()
        return self

    def add_chunk(self, chunk: Chunk) -> Ensemble:
        """A new chunk: one more base model, its 20% into the pool, combiner retrained."""
        pooled = self.bases.pop()
        self.names.pop()
        old_oof = self._oof(pooled)
        own = self._add_base(chunk)
        # The pooled expert never saw the new chunk: its scores there are out of sample.
        new_rows = min(len(chunk.x) - len(own.x), len(self.pool_x))
        fresh = predict(pooled, self.pool_x[len(self.pool_x) - new_rows :])
        self.pool_oof = np.concatenate([old_oof, fresh])[-POOL_CAP:]
        self.names.append("pooled")
        self.bases.append(pooled)
        self._fit_combiner()
        return self

    def add_expert(
        self, name: str, expert: nn.Module, *, calibration: F32 | None = None
    ) -> Ensemble:
        """An expert trained elsewhere (an imported model), then the combiner retrained.

        It goes before the pooled expert (the gate's prior stays on the pooled one) and
        scores the pool out of sample, as the specialists do: it never saw this pool.
        ``calibration``: benign flows of ours to calibrate on (see ``calibration_x``).
        """
        if name in self.names:
            raise ValueError(f"the ensemble already has an expert named {name!r}")
        if calibration is not None:
            self.calibration_x = calibration[-POOL_CAP:]
        self.names.insert(len(self.names) - 1, name)
        self.bases.insert(len(self.bases) - 1, expert)
        self._fit_combiner()
        return self

    def recombined(self, combiner_name: str) -> Ensemble:
        """The same base models under another combiner (fitted on the same pool)."""
        other = Ensemble(
            self.preprocessor,
            combiner_name,
            self.cfg,
            list(self.names),
            list(self.bases),
            dict(self.validation_f1),
            self.pool_x,
            self.pool_y,
            pool_oof=self.pool_oof,
            calibration_x=self.calibration_x,
        )
        other._fit_combiner()
        return other

    def _oof(self, pooled: nn.Module) -> F32:
        # Model files written before cross-fitting hold no out-of-sample column.
        return self.pool_oof if self.pool_oof is not None else predict(pooled, self.pool_x)

    def _add_base(self, chunk: Chunk) -> Chunk:
        """Train the chunk's specialist on 80%, pool the 20%; return the 80%."""
        rng = np.random.default_rng(self.cfg.seed + len(self.bases) + 101)
        own, pool = split(len(chunk.x), 0.8, rng)
        net, score = self._train(chunk.x[own], chunk.y[own], seed=len(self.bases))
        self.names.append(f"chunk:{chunk.name}")
        self.bases.append(net)
        self.validation_f1[f"chunk:{chunk.name}"] = score
        self.pool_x = np.vstack([self.pool_x, chunk.x[pool]])[-POOL_CAP:]
        self.pool_y = np.concatenate([self.pool_y, chunk.y[pool]])[-POOL_CAP:]
        return Chunk(chunk.name, chunk.x[own], chunk.y[own])

    def _train(self, x: F32, y: F32, seed: int) -> tuple[BaseNet, float]:
        rng = np.random.default_rng(self.cfg.seed + seed)
        fit_idx, val_idx = split(len(x), 0.7, rng)
        cfg = TrainConfig(**{**self.cfg.__dict__, "seed": self.cfg.seed + seed})
        return train_base(x[fit_idx], y[fit_idx], x[val_idx], y[val_idx], cfg)

    def _pool_scores(self) -> F32:
        """The combiner's input on the pool: ``[raw | specialists' scores | pooled OOF]``."""
        scores = [predict(b, self.pool_x) for b in self.bases[:-1]]
        scores.append(self._oof(self.bases[-1]))
        return np.hstack([self.pool_x, np.stack(scores, axis=1)]).astype(np.float32)

    def _fit_combiner(self) -> None:
        width = self.preprocessor.width
        # Seeded before it is built, so a combiner's start does not depend on what
        # was trained before it (recombined() gives what fit() would).
        torch.manual_seed(self.cfg.seed)
        combiner = COMBINERS[self.combiner_name](width, len(self.bases))
        combiner.prepare([name.startswith(IMPORTED) for name in self.names])
        joined_x = self._pool_scores()
        fit_idx, val_idx = split(len(joined_x), 0.7, np.random.default_rng(self.cfg.seed + 999))
        joined = Joined(combiner, width)
        # Too few validation flows to tell whether training beat the start (the
        # gate's prior): the start stays. With 1% of labels the pool is ~30 flows.
        if combiner.trainable and can_choose(self.pool_y[val_idx]):
            self.validation_f1["combiner"] = fit(
                joined,
                list(combiner.parameters()),
                LossFn(self.cfg),
                joined_x[fit_idx],
                self.pool_y[fit_idx],
                joined_x[val_idx],
                self.pool_y[val_idx],
                self.cfg,
                start_counts=True,
            )
        self.threshold = choose_threshold(self.pool_y[val_idx], predict(joined, joined_x[val_idx]))
        self._calibrate(combiner)
        self.net = EnsembleNet(list(self.bases), combiner)
        self.net.eval()

    def _calibrate(self, combiner: Combiner) -> None:
        """A calibrated combiner's cuts, from the imported experts' scores on our benign
        flows (our own experts' columns stay zero: they are not cut)."""
        imported = [name.startswith(IMPORTED) for name in self.names]
        if not combiner.calibrated or not any(imported):
            return
        x = self.calibration_x
        x = self.pool_x[self.pool_y < 0.5] if x is None else x
        benign = np.zeros((len(x), len(self.bases)), np.float32)
        owners = [0.5] * len(self.bases)
        for k, base in enumerate(self.bases):
            if imported[k]:
                benign[:, k] = predict(base, x)
                owners[k] = float(getattr(base, "threshold", 0.5))
        combiner.calibrate(benign, owners, self.threshold)

    def score(self, x: F32) -> F32:
        """Attack scores of preprocessed flows."""
        if self.net is None:
            raise ValueError("the ensemble is not fitted")
        return predict(self.net, x)

    def base_scores(self, x: F32) -> dict[str, F32]:
        """Each base model's score, by name (what the combiner weighs)."""
        return {name: predict(b, x) for name, b in zip(self.names, self.bases, strict=True)}
