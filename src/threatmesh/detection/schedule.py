"""Lab schedules: which host attacked which, when, with what; and the labels they imply.

A flow is labelled with an attack class when it joins the attacker and the target of a
step and starts inside that step's window (plus a grace period for the last replies);
every other flow is BENIGN. This is how CIC-IDS2017 was labelled, from its own log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

BENIGN = "BENIGN"
ATTACK_CLASSES = ("PortScan", "SSH-Patator", "DoS-Hping", "Slowloris", "WebScan")
# Replies and RSTs can trail the tool's exit by a moment.
GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Step:
    """One attack run: ``label`` by ``attacker`` against ``target`` during [start, end]."""

    label: str
    tool: str
    attacker: str
    target: str
    start: float
    end: float

    def covers(self, src: str, dst: str, first_seen: float) -> bool:
        """Whether a flow between ``src`` and ``dst`` starting at ``first_seen`` is ours."""
        pair = {src, dst} == {self.attacker, self.target}
        return pair and self.start <= first_seen <= self.end + GRACE_SECONDS


@dataclass(frozen=True)
class Schedule:
    """What a lab run did, in order; written next to its capture."""

    run: str
    steps: tuple[Step, ...]

    def label(self, src: str, dst: str, first_seen: float) -> str:
        """The class of a flow (seconds since the epoch for ``first_seen``)."""
        for step in self.steps:
            if step.covers(src, dst, first_seen):
                return step.label
        return BENIGN

    def labels(self, flows: Iterable[tuple[str, str, float]]) -> list[str]:
        """Labels for many ``(src, dst, first_seen)`` triples."""
        return [self.label(s, d, t) for s, d, t in flows]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"run": self.run, "steps": [asdict(s) for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schedule:
        """Read back :meth:`to_dict`."""
        steps = tuple(Step(**step) for step in data.get("steps", []))
        return cls(run=str(data.get("run", "")), steps=steps)


# Which attacks each lab "day" runs: as in CIC-IDS2017, each day brings different attacks,
# so the traffic a detector learns from is not stationary.
PLANS: dict[str, Sequence[str]] = {
    "day1": ("SSH-Patator", "WebScan"),
    "day2": ("DoS-Hping", "Slowloris"),
    "day3": ("PortScan", "SSH-Patator"),
    "day4": ("WebScan", "DoS-Hping", "PortScan"),
    "holdout": ("PortScan", "SSH-Patator", "DoS-Hping", "Slowloris", "WebScan"),
    "smoke": ("PortScan",),
}
