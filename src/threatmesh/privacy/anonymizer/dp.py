"""Differential privacy for counts: the Laplace and the two-sided geometric mechanisms.

Both are epsilon-DP for a query of the given L1 ``sensitivity`` (Dwork, McSherry,
Nissim, Smith 2006; Ghosh, Roughgarden, Sundararajan 2009). The random source is passed
in (``random.SystemRandom``, i.e. ``os.urandom``, in the service layer). Released counts
are rounded and clamped at zero, which is post-processing and costs no privacy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from threatmesh.privacy.anonymizer.errors import BudgetExhausted
from threatmesh.privacy.anonymizer.technique import Random


def laplace(rng: Random, scale: float) -> float:
    """One draw of Laplace(0, ``scale``) by inverting its CDF."""
    u = rng.random() - 0.5
    while u == -0.5:  # log(0): draw again (probability 2**-53)
        u = rng.random() - 0.5
    return -scale * math.copysign(1.0, u) * math.log1p(-2 * abs(u))


def geometric(rng: Random, alpha: float) -> int:
    """One draw of the two-sided geometric distribution P(z) ~ alpha**|z|, as the
    difference of two one-sided geometric draws."""

    def one_sided() -> int:
        u = 1.0 - rng.random()  # in (0, 1]
        return math.floor(math.log(u) / math.log(alpha))

    return one_sided() - one_sided()


def noisy_count(
    rng: Random, value: float, *, epsilon: float, sensitivity: float, mechanism: str
) -> int:
    """``value`` released under ``mechanism`` ("laplace" or "geometric")."""
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be positive")
    if mechanism == "laplace":
        noisy = value + laplace(rng, sensitivity / epsilon)
    elif mechanism == "geometric":
        noisy = value + geometric(rng, math.exp(-epsilon / sensitivity))
    else:
        raise ValueError(f"unknown mechanism {mechanism!r}")
    return max(0, round(noisy))


@dataclass(frozen=True, slots=True)
class Budget:
    """A recipient's epsilon budget: ``total`` granted, ``spent`` so far."""

    total: float
    spent: float

    @property
    def remaining(self) -> float:
        """Epsilon still available."""
        return max(0.0, self.total - self.spent)

    def charge(self, epsilon: float, recipient: str) -> Budget:
        """The budget after spending ``epsilon``; :class:`BudgetExhausted` if it would
        go over (a tiny tolerance absorbs float rounding of many small charges)."""
        if epsilon <= 0:
            return self
        if self.spent + epsilon > self.total + 1e-9:
            raise BudgetExhausted(
                f"the privacy budget of {recipient} is exhausted: releasing this needs "
                f"epsilon {epsilon:g}, {self.remaining:g} of {self.total:g} remains"
            )
        return Budget(self.total, self.spent + epsilon)
