"""From scored flows to what the platform is told: windows, objects, attack_type, tags.

An event per attacker (the flow's initiator) and time window; inside it, one object per
(attacker, target, port, protocol) seen in a batch. The ``attack_type`` JSON follows the
EBIDS/NetGen convention: one key per detector, so cooperating detectors add theirs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NAMESPACE = uuid.UUID("6b1f3c4e-2a57-4d55-9e61-0d4f1e6a7b10")
EVENT_TAGS = ("tlp:amber", 'ecsirt:intrusion-attempts="ids-alert"')
_LIKELIHOOD = (  # estimative-language bands for the detector's confidence
    (0.95, "almost-certain"),
    (0.80, "very-likely"),
    (0.55, "likely"),
    (0.45, "roughly-even-chance"),
    (0.20, "unlikely"),
    (0.05, "very-unlikely"),
)


@dataclass(frozen=True)
class ScoredFlow:
    """One flow and its attack score; ``row`` indexes the batch it came from."""

    row: int
    src: str
    sport: int
    dst: str
    dport: int
    proto: int
    first: float
    last: float
    score: float


@dataclass
class FlowGroup:
    """Flows of one object: same attacker, target, port and protocol."""

    key: tuple[str, str, int, int]
    flows: list[ScoredFlow] = field(default_factory=list)

    @property
    def first(self) -> float:
        return min(f.first for f in self.flows)

    @property
    def last(self) -> float:
        return max(f.last for f in self.flows)

    @property
    def confidence(self) -> float:
        return max(f.score for f in self.flows)


@dataclass
class Window:
    """The detections of one attacker in one time window: one MISP event."""

    attacker: str
    start: float
    seconds: int
    groups: dict[tuple[str, str, int, int], FlowGroup] = field(default_factory=dict)

    def event_uuid(self, detector: str) -> str:
        """Stable across restarts and sensors, so a window's event is found again."""
        return str(uuid.uuid5(NAMESPACE, f"{detector}|{self.attacker}|{int(self.start)}"))

    def info(self, detector: str) -> str:
        """The event's title."""
        return f"{detector}: attack traffic from {self.attacker} ({self.seconds}s window)"


def windows(flows: Iterable[ScoredFlow], seconds: int) -> list[Window]:
    """Group detections by attacker and window, then by object key."""
    out: dict[tuple[str, int], Window] = {}
    for f in flows:
        start = int(f.first // seconds) * seconds
        win = out.setdefault((f.src, start), Window(f.src, float(start), seconds))
        key = (f.src, f.dst, f.dport, f.proto)
        win.groups.setdefault(key, FlowGroup(key)).flows.append(f)
    return [out[k] for k in sorted(out)]


def object_key(src: str, dst: str, dport: int, proto: int) -> str:
    """The text an object's ``flow-key`` attribute holds (how repeats are recognised)."""
    return f"{src}>{dst}:{dport}/{proto}"


def attack_type(detector: str, version: str, confidence: float, threshold: float) -> str:
    """The ``attack_type`` JSON: detector -> verdict and confidence."""
    verdict = "attack" if confidence >= threshold else "benign"
    body = {
        detector: {
            "version": version,
            "verdict": verdict,
            "confidence": round(confidence, 4),
            "attacks": [{"attack_type": verdict, "confidence": round(confidence, 4)}],
        }
    }
    return json.dumps(body, sort_keys=True)


def likelihood_tag(confidence: float) -> str:
    """The estimative-language tag matching a confidence."""
    for low, name in _LIKELIHOOD:
        if confidence >= low:
            return f'estimative-language:likelihood-probability="{name}"'
    return 'estimative-language:likelihood-probability="almost-no-chance"'


def protocol_name(proto: int) -> str:
    """IANA protocol number as MISP's layer4-protocol text."""
    return {6: "TCP", 17: "UDP", 1: "ICMP"}.get(proto, str(proto))


def top(groups: Sequence[FlowGroup], limit: int) -> list[FlowGroup]:
    """The ``limit`` most confident groups (an event never holds thousands of objects)."""
    return sorted(groups, key=lambda g: (-g.confidence, g.key))[:limit]
