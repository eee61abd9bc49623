"""One conformance suite over every registered combiner."""

from __future__ import annotations

import pytest
import torch

from threatmesh.detection.combiners import COMBINERS
from threatmesh.model.registry import Registry


@pytest.mark.parametrize("name", list(COMBINERS))
def test_combiner_conformance(name: str) -> None:
    torch.manual_seed(0)
    combiner = COMBINERS[name](5, 3)
    raw = torch.rand(16, 5)
    scores = torch.rand(16, 3)
    out = combiner(raw, scores)
    assert out.shape == (16,)
    assert bool(((out >= 0) & (out <= 1)).all())
    # Unanimous models: every combiner must follow them to the right side of 0.5.
    high = combiner(raw, torch.full((16, 3), 0.99))
    low = combiner(raw, torch.full((16, 3), 0.01))
    assert bool((high > 0.5).all()) and bool((low < 0.5).all())
    assert combiner.trainable == any(p.requires_grad for p in combiner.parameters())


def test_max_and_average() -> None:
    scores = torch.tensor([[0.1, 0.9, 0.5]])
    raw = torch.zeros(1, 2)
    assert COMBINERS["max"](2, 3)(raw, scores).item() == pytest.approx(0.9)
    assert COMBINERS["average"](2, 3)(raw, scores).item() == pytest.approx(0.5)


def test_mixture_weights_sum_to_one() -> None:
    moe = COMBINERS["moe"](4, 3)
    same = torch.full((8, 3), 0.3)
    assert torch.allclose(moe(torch.rand(8, 4), same), torch.full((8,), 0.3))


def test_registry_refuses_duplicates() -> None:
    reg: Registry[int] = Registry("thing")
    reg.register("a", 1)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 2)
    with pytest.raises(KeyError, match="unknown thing 'b'"):
        reg["b"]
