"""The EBIDS base network and its cost-sensitive training (PyTorch, CPU).

Input extension: each scaled feature x in [0, 1] is joined by fixed transforms of it
(x, 1-x, x^2 ... x^16, x^(1/2) ... x^(1/16), sin(pi x), 1-cos(pi x), log terms, e^(x-1),
1-e^(-x)), which lets a shallow network draw non-linear boundaries per feature. Then a
Dense(96, tanh) embedding, a projection to 32, residual Dense(32, tanh) + batch-norm
blocks, and a sigmoid output.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from threatmesh.detection.metrics import best_threshold_f1

F32 = npt.NDArray[np.float32]
EXTENSIONS = 17


class ExtendedInput(nn.Module):
    """x -> [x, 1-x, x^2, x^4, x^8, x^16, x^(1/2) .. x^(1/16), sin, 1-cos, logs, exps]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [x, 1 - x]
        parts += [x**p for p in (2, 4, 8, 16)]
        parts += [torch.sqrt(x), x**0.25, x**0.125, x**0.0625]
        parts += [torch.sin(math.pi * x), 1 - torch.cos(math.pi * x)]
        parts += [torch.log1p(x) / math.log(2), 1 - torch.log1p(1 - x) / math.log(2)]
        parts += [torch.exp(x - 1), 1 - torch.exp(-x), x * (1 - x) * 4]
        return torch.cat(parts, dim=1)


class BaseNet(nn.Module):
    """One EBIDS base model: a score in [0, 1] per flow (1 = attack)."""

    def __init__(self, width: int, blocks: int = 2) -> None:
        super().__init__()
        self.extend = ExtendedInput()
        self.embed = nn.Sequential(nn.Linear(width * EXTENSIONS, 96), nn.Tanh())
        self.project = nn.Sequential(nn.Linear(96, 32), nn.Tanh())
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(32, 32), nn.Tanh(), nn.BatchNorm1d(32)) for _ in range(blocks)
        )
        self.out = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.project(self.embed(self.extend(x)))
        for block in self.blocks:
            h = h + block(h)
        return torch.sigmoid(self.out(h)).squeeze(1)


def cost_sensitive_mse(p: torch.Tensor, y: torch.Tensor, fn: float, fp: float) -> torch.Tensor:
    """Squared error, with false negatives weighted ``fn`` and false positives ``fp``."""
    missed = (y > 0.5) & (p < 0.5)
    false_alarm = (y < 0.5) & (p >= 0.5)
    weight = 1 + (fn - 1) * missed.float() + (fp - 1) * false_alarm.float()
    return (weight * (p - y) ** 2).mean()


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters (the paper's: batch 512, 30 epochs, RMSprop, x4 costs).

    ``min_batches``: on small training sets (label scarcity) the batch shrinks so an
    epoch still takes that many steps; at 512 a 300-flow chunk would get one step an
    epoch, 30 in all, and learn little of its rare classes.
    """

    epochs: int = 30
    batch: int = 512
    min_batches: int = 8
    lr: float = 1e-3
    fn_weight: float = 4.0
    fp_weight: float = 4.0
    seed: int = 0
    #: Told after each epoch: (epoch, epochs, validation macro-F1). Not a hyperparameter.
    on_epoch: Callable[[int, int, float], None] | None = field(default=None, compare=False)


def predict(model: nn.Module, x: F32, batch: int = 8192) -> F32:
    """Scores of ``model`` on ``x`` (evaluation mode, no gradients)."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i : i + batch])).numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


def fit(
    model: nn.Module,
    params: list[nn.Parameter],
    loss_of: LossFn,
    x: F32,
    y: F32,
    x_val: F32,
    y_val: F32,
    cfg: TrainConfig,
    *,
    start_counts: bool = False,
) -> float:
    """Train with RMSprop; keep the weights of the epoch with the best validation macro-F1.

    ``start_counts``: the starting weights are a candidate too (epoch 0), for a model
    whose start is a sound fallback (the gate's prior), so training must beat it.
    """
    gen = torch.Generator().manual_seed(cfg.seed)
    batch = max(16, min(cfg.batch, -(-len(x) // cfg.min_batches)))
    opt = torch.optim.RMSprop(params, lr=cfg.lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    best, best_state = -1.0, {k: v.clone() for k, v in model.state_dict().items()}
    if start_counts and len(y_val):
        best = best_threshold_f1(y_val, predict(model, x_val))[1]
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            if len(idx) < 2:
                continue  # batch norm needs two rows
            opt.zero_grad()
            loss = loss_of(model(xt[idx]), yt[idx], idx)
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
        score = best_threshold_f1(y_val, predict(model, x_val))[1] if len(y_val) else 0.0
        if cfg.on_epoch is not None:
            cfg.on_epoch(epoch, cfg.epochs, score)
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return best


class LossFn:
    """The cost-sensitive loss bound to its weights (callable with the batch indices)."""

    def __init__(self, cfg: TrainConfig) -> None:
        self.fn, self.fp = cfg.fn_weight, cfg.fp_weight

    def __call__(self, p: torch.Tensor, y: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return cost_sensitive_mse(p, y, self.fn, self.fp)


def train_base(x: F32, y: F32, x_val: F32, y_val: F32, cfg: TrainConfig) -> tuple[BaseNet, float]:
    """A fitted base network and its best validation macro-F1."""
    torch.manual_seed(cfg.seed)
    net = BaseNet(x.shape[1])
    score = fit(net, list(net.parameters()), LossFn(cfg), x, y, x_val, y_val, cfg)
    return net, score
