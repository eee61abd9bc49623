"""How the base models' scores become one: mixture of experts, max, average, stacking.

Each combiner is a torch module ``forward(raw, scores) -> score`` so the whole ensemble
exports to ONNX as one graph. ``raw`` is the preprocessed flow (the mixture of experts
gates on it, as in EBIDS), ``scores`` is one column per base model.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from threatmesh.model.registry import Registry


class Combiner(nn.Module):
    """Base class: ``trainable`` combiners are fitted on the combiner split."""

    trainable = False

    def forward(self, raw: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


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
        prior = torch.full((models,), (1 - self.PRIOR_POOLED) / max(models - 1, 1))
        prior[-1] = self.PRIOR_POOLED if models > 1 else 1.0
        self.prior: torch.Tensor
        self.register_buffer("prior", torch.log(prior))

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


CombinerFactory = Callable[[int, int], Combiner]
COMBINERS: Registry[CombinerFactory] = Registry("combiner")
COMBINERS.register("moe", MixtureOfExperts)
COMBINERS.register("max", MaxCombiner)
COMBINERS.register("average", AverageCombiner)
COMBINERS.register("stacking", StackingCombiner)


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
