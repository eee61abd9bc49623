"""One conformance suite over every registered combiner."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from threatmesh.detection.combiners import COMBINERS, Combiner, MixtureOfExperts
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


def _guarded(benign: np.ndarray, owners: list[float], threshold: float = 0.5) -> Combiner:
    """A guarded combiner over [our specialist, an imported expert, our pooled expert]."""
    guarded = COMBINERS["guarded"](2, 3)
    guarded.prepare([False, True, False])
    guarded.calibrate(benign.astype(np.float32), owners, threshold)
    return guarded


def test_guarded_cuts_an_expert_noisy_on_our_benign_flows() -> None:
    # The imported expert scores our benign flows up to 0.8: 0.5 would be its alarm,
    # our 500 flows are too few to promise 0.1%, so the cut is the highest of them.
    rng = np.random.default_rng(0)
    benign = np.zeros((500, 3))
    benign[:, 1] = rng.uniform(0.0, 0.8, 500)
    guarded = _guarded(benign, [0.5, 0.5, 0.5])
    assert guarded.cut.tolist() == pytest.approx([1.0, benign[:, 1].max(), 1.0])
    raw = torch.zeros(3, 2)
    scores = torch.tensor([[0.1, 0.7, 0.1], [0.1, 0.95, 0.1], [0.1, 0.1, 0.1]])
    out = guarded(raw, scores).tolist()
    assert out[0] < 0.5 <= COMBINERS["max"](2, 3)(raw, scores)[0].item()  # the max alarms
    assert out[1] >= 0.5  # a confident alarm still decides
    assert out[0] == pytest.approx(out[2])  # below its cut, the expert changes nothing


def test_guarded_never_cuts_below_the_owners_threshold() -> None:
    benign = np.full((500, 3), 0.2)
    guarded = _guarded(benign, [0.5, 0.6, 0.5], threshold=0.3)
    assert guarded.cut[1].item() == pytest.approx(0.6)
    raw = torch.zeros(2, 2)
    out = guarded(raw, torch.tensor([[0.0, 0.55, 0.0], [0.0, 0.65, 0.0]])).tolist()
    # An alarm maps to at least the ensemble's decision threshold (here 0.3).
    assert out[0] < 0.3 <= out[1]


def test_guarded_weighs_our_experts_as_the_mixture_does() -> None:
    # The gate ignores the imported column: untrained, it is the mixture's prior over
    # our two experts (pooled 0.9, specialist 0.1), whatever the imported expert says
    # below its cut.
    guarded = _guarded(np.zeros((10, 3)), [0.5, 0.5, 0.5])
    ours = MixtureOfExperts(2, 2)
    raw = torch.rand(4, 2)
    scores = torch.rand(4, 3) * 0.4
    expected = ours(raw, scores[:, [0, 2]])
    assert torch.allclose(guarded(raw, scores), expected, atol=1e-6)
    scores[:, 1] = 0.0
    assert torch.allclose(guarded(raw, scores), expected, atol=1e-6)


def test_guarded_needs_benign_flows_to_cut_on() -> None:
    with pytest.raises(ValueError, match="no benign flows"):
        _guarded(np.zeros((0, 3)), [0.5, 0.5, 0.5])
