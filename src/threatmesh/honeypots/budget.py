"""The placement budget: how many decoys, how much CPU and how much memory they may take
at once, in all and per host, counted from each decoy's expected cost
(``decoys.base.Cost``). Pure.

In a policy document (quantities as Kubernetes writes them: CPU in cores, ``"500m"``
for millicores; memory with ``Ki``/``Mi``/``Gi`` or ``k``/``M``/``G``, a plain number
being bytes)::

    budget:
      max_decoys: 10            # in all
      max_per_host: 3           # on each host
      cpu: "1"                  # in all (None: no limit)
      memory: 512Mi
      per_host: {cpu: 250m, memory: 128Mi}
      hosts:                    # a host's own limits, over per_host and max_per_host
        web-01: {decoys: 1, cpu: 100m, memory: 64Mi}
      over_budget: refuse       # or defer: placed once room frees up, while its TTL lasts
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from threatmesh.honeypots.decoys.base import Cost

__all__ = ["Budget", "Limits", "format_cpu", "format_memory", "overrun", "parse_cpu",
           "parse_memory"]  # fmt: skip

_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z]*)")
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}  # fmt: skip


def _number_and_unit(value: object, what: str) -> tuple[float, str]:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what}: a number or a quantity such as '500m' or '128Mi'")
    if not isinstance(value, str):
        return float(value), ""
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{what}: {value!r} is not a quantity such as '500m' or '128Mi'")
    return float(match.group(1)), match.group(2)


def parse_cpu(value: object) -> int:
    """Millicores of a Kubernetes CPU quantity: ``2`` or ``"0.5"`` cores, ``"500m"``."""
    number, unit = _number_and_unit(value, "cpu")
    if unit not in {"", "m"}:
        raise ValueError(f"cpu: unit {unit!r}: cores, or m for millicores")
    return round(number if unit == "m" else number * 1000)


def parse_memory(value: object) -> int:
    """Bytes of a Kubernetes memory quantity: ``"128Mi"``, ``"1G"``, a number of bytes."""
    number, unit = _number_and_unit(value, "memory")
    if unit not in _MEMORY_UNITS:
        raise ValueError(
            f"memory: unit {unit!r}: one of {', '.join(u for u in _MEMORY_UNITS if u)}"
        )
    return round(number * _MEMORY_UNITS[unit])


def format_cpu(millicores: int) -> str:
    """``250m``, as Kubernetes writes it."""
    return f"{millicores}m"


def format_memory(size: int) -> str:
    """``96Mi`` (MiB, to a tenth)."""
    return f"{size / 2**20:.1f}".removesuffix(".0") + "Mi"


Cpu = Annotated[int, BeforeValidator(parse_cpu), Field(ge=0)]
Memory = Annotated[int, BeforeValidator(parse_memory), Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """A host's limits (None: not limited here)."""

    decoys: int | None = Field(None, ge=0)
    cpu: Cpu | None = None
    memory: Memory | None = None


class Budget(_Strict):
    """The most decoys, CPU and memory at once, in all and per host; what to do with a
    placement over it."""

    max_decoys: int = Field(10, ge=0)
    max_per_host: int = Field(3, ge=0)
    cpu: Cpu | None = None
    memory: Memory | None = None
    per_host: Limits = Limits()
    hosts: dict[str, Limits] = Field(default_factory=dict)
    over_budget: Literal["refuse", "defer"] = "refuse"

    def limits_of(self, host: str) -> Limits:
        """``host``'s limits: its own, then ``per_host``, then ``max_per_host``."""
        own = self.hosts.get(host, Limits())
        # model_construct: the values are parsed already (cpu in millicores, not cores).
        return Limits.model_construct(
            decoys=own.decoys if own.decoys is not None else
            self.per_host.decoys if self.per_host.decoys is not None else self.max_per_host,
            cpu=own.cpu if own.cpu is not None else self.per_host.cpu,
            memory=own.memory if own.memory is not None else self.per_host.memory,
        )  # fmt: skip


def _total(costs: Sequence[Cost]) -> Cost:
    return sum(costs, Cost(0, 0))


def overrun(
    budget: Budget, placed: Sequence[tuple[str, Cost]], host: str, cost: Cost
) -> str | None:
    """Why one more decoy costing ``cost`` on ``host`` would not fit the budget, given
    the decoys ``placed`` (host, cost); None when it fits."""
    limits = budget.limits_of(host)
    on_host = [c for h, c in placed if h == host]
    if len(placed) >= budget.max_decoys:
        return f"budget: {budget.max_decoys} decoys running"
    if limits.decoys is not None and len(on_host) >= limits.decoys:
        return f"budget: {limits.decoys} decoys on {host}"
    scopes = (("in all", _total([c for _, c in placed]), budget.cpu, budget.memory),
              (f"on {host}", _total(on_host), limits.cpu, limits.memory))  # fmt: skip
    for scope, used, cpu, memory in scopes:
        if cpu is not None and used.cpu + cost.cpu > cpu:
            return (f"budget: CPU {format_cpu(used.cpu)} in use + {format_cpu(cost.cpu)} "
                    f"over {format_cpu(cpu)} {scope}")  # fmt: skip
        if memory is not None and used.memory + cost.memory > memory:
            need = format_memory(cost.memory)
            return (f"budget: memory {format_memory(used.memory)} in use + {need} "
                    f"over {format_memory(memory)} {scope}")  # fmt: skip
    return None
