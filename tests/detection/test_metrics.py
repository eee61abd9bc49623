"""The Neyman-Pearson threshold: its binomial bound, and the promise it keeps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from threatmesh.detection.metrics import allowed_above, np_threshold


def _at_most(m: int, n: int, alpha: float) -> float:
    """P(Binomial(n, alpha) <= m), exactly."""
    return sum(math.comb(n, j) * alpha**j * (1 - alpha) ** (n - j) for j in range(m + 1))


@pytest.mark.parametrize(("n", "alpha"), [(2000, 0.01), (50_000, 0.001), (300, 0.05)])
def test_allowed_above_is_the_largest_count_the_bound_allows(n: int, alpha: float) -> None:
    m = allowed_above(n, alpha, 0.05)
    assert m > 0
    assert _at_most(m, n, alpha) <= 0.05 < _at_most(m + 1, n, alpha)


def test_too_few_flows_leave_none_above() -> None:
    # (1 - 0.001)^900 = 0.41 > 0.05: even the highest score cannot promise 0.1%.
    assert allowed_above(900, 0.001, 0.05) == 0
    scores = np.random.default_rng(0).random(900)
    assert np_threshold(scores, 0.001, 0.05) == scores.max()


def test_the_threshold_keeps_its_promise() -> None:
    # Benign scores uniform on [0, 1]: a threshold t lets 1 - t of benign traffic
    # through. Over many calibration samples, that exceeds alpha at most delta of
    # the time, and the threshold is not needlessly high either.
    rng = np.random.default_rng(7)
    alpha, delta = 0.01, 0.05
    rates = np.array([1 - np_threshold(rng.random(2000), alpha, delta) for _ in range(400)])
    assert np.mean(rates > alpha) <= delta + 0.03
    assert 0.004 < np.median(rates) < alpha


def test_no_benign_scores_no_threshold() -> None:
    with pytest.raises(ValueError, match="no benign"):
        np_threshold(np.zeros(0), 0.01, 0.05)
