"""Lab schedules: which host attacked which, when, with what; and the labels they imply.

A flow is labelled with an attack class when it joins the attacker and the target of a
step and starts inside that step's window; every other flow is BENIGN. This is how
CIC-IDS2017 was labelled, from its own log. A flow starting in the grace period after the
window (the last replies and RSTs, metered as a flow of their own) is the step's only if
it continues a connection the tool opened in the window: same protocol and ports. A new
connection there cannot be the tool's, which has exited: it is the attacker's own
browsing, resumed (labelling the whole grace put 2-3 of those per step among the attacks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

BENIGN = "BENIGN"
ATTACK_CLASSES = ("PortScan", "SSH-Patator", "DoS-Hping", "Slowloris", "WebScan")
# Replies and RSTs can trail the tool's exit by a moment.
GRACE_SECONDS = 2.0


class FlowKey(NamedTuple):
    """What labelling needs of a flow: its ends, when it started, its protocol and ports."""

    src: str
    dst: str
    first_seen: float
    src_port: int = 0
    dst_port: int = 0
    protocol: int = 0

    def conversation(self) -> tuple[int, frozenset[tuple[str, int]]]:
        """The connection, whichever end spoke first."""
        return self.protocol, frozenset({(self.src, self.src_port), (self.dst, self.dst_port)})


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
        """Whether a flow between ``src`` and ``dst`` starts inside the window."""
        return self.joins(src, dst) and self.start <= first_seen <= self.end

    def joins(self, src: str, dst: str) -> bool:
        """Whether a flow is between the attacker and the target."""
        return {src, dst} == {self.attacker, self.target}

    def in_grace(self, first_seen: float) -> bool:
        """Whether ``first_seen`` falls after the window, within the grace period."""
        return self.end < first_seen <= self.end + GRACE_SECONDS


@dataclass(frozen=True)
class Schedule:
    """What a lab run did, in order; written next to its capture."""

    run: str
    steps: tuple[Step, ...]

    def label(self, src: str, dst: str, first_seen: float) -> str:
        """The class of a flow alone (seconds since the epoch for ``first_seen``): the
        window only, since the grace needs the other flows (:meth:`labels`)."""
        for step in self.steps:
            if step.covers(src, dst, first_seen):
                return step.label
        return BENIGN

    def labels(self, flows: Iterable[FlowKey]) -> list[str]:
        """Labels for many flows: the window's, then the grace's continuations."""
        return Labeller(self)(flows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"run": self.run, "steps": [asdict(s) for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schedule:
        """Read back :meth:`to_dict`."""
        steps = tuple(Step(**step) for step in data.get("steps", []))
        return cls(run=str(data.get("run", "")), steps=steps)


class Labeller:
    """Labels flows of one capture, chunk after chunk: the connections each step opened
    in its window are remembered, so a continuation in the grace is found even when it
    comes in a later chunk (a meter emits a flow when it ends, so the opening flow of a
    connection always comes before its continuation)."""

    def __init__(self, schedule: Schedule) -> None:
        self.steps = schedule.steps
        self.opened: list[set[tuple[int, frozenset[tuple[str, int]]]]] = [
            set() for _ in schedule.steps
        ]

    def __call__(self, flows: Iterable[FlowKey]) -> list[str]:
        """Labels of the next flows."""
        keys = list(flows)
        out = [BENIGN] * len(keys)
        for i, key in enumerate(keys):
            for step, opened in zip(self.steps, self.opened, strict=True):
                if step.covers(key.src, key.dst, key.first_seen):
                    out[i] = step.label
                    opened.add(key.conversation())
                    break
        for i, key in enumerate(keys):
            if out[i] == BENIGN:
                out[i] = self._continued(key)
        return out

    def _continued(self, key: FlowKey) -> str:
        for step, opened in zip(self.steps, self.opened, strict=True):
            if (
                step.joins(key.src, key.dst)
                and step.in_grace(key.first_seen)
                and key.conversation() in opened
            ):
                return step.label
        return BENIGN
