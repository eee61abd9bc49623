"""What a decoy is: the CVE it lures, the products it passes for (CPE 2.3), its CVSS
vector and ATT&CK technique, a session that answers a client byte for byte, and an
exploit probe (what a public exploit sends) that the tests fire at it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["DECOY_COST", "MAX_REQUEST", "Cost", "Decoy", "Session", "Step"]

#: Bytes a session reads from one client at most (an exploit fits; a flood does not).
MAX_REQUEST = 65_536


@dataclass(frozen=True, slots=True)
class Cost:
    """What one running decoy is expected to use: CPU in millicores, memory in bytes.
    The placement budget adds these up; the ``kubernetes`` backend requests them."""

    cpu: int
    memory: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.cpu + other.cpu, self.memory + other.memory)


#: Every decoy is the same small asyncio listener in a Python process: measured on the
#: local backend at 25 MiB resident (14 MiB anonymous) and no CPU when idle, whichever
#: the CVE (tests/deploy/test_decoy_cost.py checks the memory). 32 MiB leaves room for
#: a few sessions at once (each reads MAX_REQUEST at most); 50 millicores is a tenth of
#: a core's half: the bursts of an exploitation attempt, not a sustained load.
DECOY_COST = Cost(cpu=50, memory=32 * 2**20)


@dataclass(frozen=True, slots=True)
class Step:
    """A session's answer to bytes received: what to send back, whether the
    conversation is over, whether what was received so far is an exploitation attempt."""

    reply: bytes = b""
    done: bool = False
    exploit: bool = False


class Session(Protocol):
    """One client's conversation with a decoy."""

    def opening(self) -> bytes:
        """What the service sends as soon as a client connects (a banner, or nothing)."""
        ...

    def receive(self, data: bytes) -> Step:
        """The answer to the next bytes the client sent."""
        ...


@dataclass(frozen=True, slots=True)
class Decoy:
    """A decoy for one CVE."""

    cve: str
    title: str
    #: The products (CPE 2.3) the CVE affects, hence the hosts the decoy suits.
    cpes: tuple[str, ...]
    #: CVSS v3.1 base vector (NVD's).
    cvss: str
    #: The port the service usually listens on.
    port: int
    protocol: str
    #: A new session per client.
    session: Callable[[], Session]
    #: What a public exploit for the CVE sends, chunk by chunk.
    probe: tuple[bytes, ...]
    #: ATT&CK technique of the exploitation (Exploit Public-Facing Application).
    technique: str = "T1190"
    #: Expected CPU and memory of one running instance (the placement budget's unit).
    cost: Cost = DECOY_COST
