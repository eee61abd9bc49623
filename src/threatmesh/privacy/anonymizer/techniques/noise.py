"""``noise``: differentially private counts (Laplace or geometric mechanism).

Every use spends ``epsilon`` of the recipient's budget; the service refuses the release
when the budget cannot cover the run (see :mod:`threatmesh.privacy.anonymizer.dp`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from threatmesh.privacy.anonymizer import dp, kinds
from threatmesh.privacy.anonymizer.technique import StrictParams, Technique, register


class Params(StrictParams):
    """The mechanism, the epsilon each released count spends, the query's sensitivity."""

    mechanism: Literal["laplace", "geometric"] = "geometric"
    epsilon: float = Field(default=0.1, gt=0, le=10)
    sensitivity: float = Field(default=1.0, gt=0)


@register
class Noise(Technique):
    """Noisy counts."""

    name = "noise"
    kinds = frozenset({kinds.NUMBER})
    Params = Params

    def number(self, value: float) -> float:
        p = self.params
        assert isinstance(p, Params)
        self.ctx.epsilon_spent += p.epsilon
        return dp.noisy_count(
            self.ctx.rng,
            value,
            epsilon=p.epsilon,
            sensitivity=p.sensitivity,
            mechanism=p.mechanism,
        )
