"""How the base models' scores become one: mixture of experts, max, average, stacking,
and the guarded mixture for imported experts.

Each combiner is a torch module ``forward(raw, scores) -> score`` so the whole ensemble
exports to ONNX as one graph. ``raw`` is the preprocessed flow (the mixture of experts
gates on it, as in EBIDS), ``scores`` is one column per base model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from threatmesh.detection.metrics import np_threshold
from threatmesh.model.registry import Registry


class Combiner(nn.Module):
    """Base class: ``trainable`` combiners are fitted on the combiner split;
    ``calibrated`` ones are then told the importer's benign flows (:meth:`calibrate`)."""

    trainable = False
    calibrated = False

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def prepare(self, imported: Sequence[bool]) -> None:
        """Told, before fitting, which columns are experts imported from elsewhere."""

    def calibrate(
        self, benign: npt.NDArray[np.float32], owners: Sequence[float], threshold: float
    ) -> None:
        """Told, once the ensemble's ``threshold`` is chosen, the scores of the importer's
        benign flows (one column per model) and each model's own threshold."""


class MixtureOfExperts(Combiner):
    """A gate Dense(128, tanh) on the raw input, softmax over the models, weighted sum.

    The gate is residual over a prior that trusts the last model (the pooled expert):
    its output layer starts at zero, so an untrained gate weighs the pooled expert
    ``PRIOR_POOLED`` and the specialists the rest, evenly. With few labels the gate has
    little to learn from; starting there it falls back to the pooled expert and moves
    weight to a specialist only where training shows that helps. (A random start gave
    every specialist a say, also on traffic it never saw.)
    """

    trainable = True
    PRIOR_POOLED = 0.9

    def __init__(self, width: int, models: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(nn.Linear(width, 128), nn.Tanh(), nn.Linear(128, models))
        out = self.gate[2]
        assert isinstance(out, nn.Linear)
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        self.prior: torch.Tensor
        self.register_buffer("prior", self.log_prior([True] * models))

    @classmethod
    def log_prior(cls, weighed: Sequence[bool]) -> torch.Tensor:
        """The prior over the ``weighed`` columns (the last, pooled, is one of them); the
        others get none (log 0), so the gate never gives them weight."""
        mask = torch.tensor(weighed)
        specialists = int(mask[:-1].sum())
        prior = torch.where(mask, (1 - cls.PRIOR_POOLED) / max(specialists, 1), 0.0)
        prior[-1] = cls.PRIOR_POOLED if specialists else 1.0
        return torch.log(prior)

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(self.prior + self.gate(raw), dim=1)
        return (weights * scores).sum(dim=1)


class MaxCombiner(Combiner):
    """The most alarmed model decides."""

    def __init__(self, width: int, models: int) -> None:
        super().__init__()

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores.max(dim=1).values


class AverageCombiner(Combiner):
    """Every model's score counts the same."""

    def __init__(self, width: int, models: int) -> None:
        super().__init__()

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores.mean(dim=1)


class StackingCombiner(Combiner):
    """A logistic regression over the models' scores."""

    trainable = True

    def __init__(self, width: int, models: int) -> None:
        super().__init__()
        self.linear = nn.Linear(models, 1)
        # Start as a vote of equals (training moves from there): random signs could
        # start it inverted, and the combiner split is small under label scarcity.
        nn.init.constant_(self.linear.weight, 1.0)
        nn.init.zeros_(self.linear.bias)

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.linear(scores * 4 - 2)).squeeze(1)


class GuardedCombiner(Combiner):
    """Our mixture of experts decides; an imported expert can only add alarms, and only
    above a threshold set on our own benign flows.

    The gate weighs our own experts alone (the ``moe`` of the ensemble without the
    imported ones, trained the same way). An imported expert raises an alarm where its
    score is strictly above its cut: the Neyman-Pearson threshold of its scores on the
    importer's benign flows (at most ``ALPHA`` of our benign traffic above it, with
    probability 1 - ``DELTA``; :func:`~threatmesh.detection.metrics.np_threshold`), and
    never below the threshold its owner chose. An alarm maps to [threshold, 1] (the
    ensemble's decision threshold), so it decides; elsewhere our score stands. Its cut
    needs no flow of the attacks the expert was imported for.
    """

    trainable = True
    calibrated = True
    ALPHA = 0.001
    DELTA = 0.05

    def __init__(self, width: int, models: int) -> None:
        super().__init__()
        self.own = MixtureOfExperts(width, models)
        self.imported: torch.Tensor
        self.cut: torch.Tensor
        self.floor: torch.Tensor
        self.register_buffer("imported", torch.zeros(models, dtype=torch.bool))
        # 1: never an alarm (our experts, and imported ones until calibrated).
        self.register_buffer("cut", torch.ones(models))
        self.register_buffer("floor", torch.tensor(0.5))

    def prepare(self, imported: Sequence[bool]) -> None:
        self.imported.copy_(torch.tensor(imported))
        self.own.prior.copy_(MixtureOfExperts.log_prior([not i for i in imported]))

    def calibrate(
        self, benign: npt.NDArray[np.float32], owners: Sequence[float], threshold: float
    ) -> None:
        columns = torch.nonzero(self.imported).flatten().tolist()
        if columns and not len(benign):
            raise ValueError("no benign flows of ours to set an imported expert's cut on")
        self.floor.fill_(threshold)
        for k in columns:
            self.cut[k] = max(np_threshold(benign[:, k], self.ALPHA, self.DELTA), owners[k])

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        ours: torch.Tensor = self.own(raw, scores)
        span = (1 - self.cut).clamp_min(1e-6)
        lifted = self.floor + (1 - self.floor) * (scores - self.cut) / span
        alarms = torch.where(scores > self.cut, lifted, torch.zeros_like(scores))
        return torch.maximum(ours, alarms.max(dim=1).values)


CombinerFactory = Callable[[int, int], Combiner]
COMBINERS: Registry[CombinerFactory] = Registry("combiner")
COMBINERS.register("moe", MixtureOfExperts)
COMBINERS.register("max", MaxCombiner)
COMBINERS.register("average", AverageCombiner)
COMBINERS.register("stacking", StackingCombiner)
COMBINERS.register("guarded", GuardedCombiner)


class Joined(nn.Module):
    """A combiner fed one matrix ``[raw | scores]`` (what the trainer passes around)."""

    def __init__(self, combiner: Combiner, width: int) -> None:
        super().__init__()
        self.combiner, self.width = combiner, width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.combiner(x[:, : self.width], x[:, self.width :])
        return out


class EnsembleNet(nn.Module):
    """Base models and combiner as one module: preprocessed flows -> attack score."""

    def __init__(self, bases: list[nn.Module], combiner: Combiner) -> None:
        super().__init__()
        self.bases = nn.ModuleList(bases)
        self.combiner = combiner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = torch.stack([base(x) for base in self.bases], dim=1)
        out: torch.Tensor = self.combiner(x, scores)
        return out
