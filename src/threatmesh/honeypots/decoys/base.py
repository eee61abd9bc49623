"""What a decoy is: the CVE it lures, the products it passes for (CPE 2.3), its CVSS
vector and ATT&CK technique, a session that answers a client byte for byte, and an
exploit probe (what a public exploit sends) that the tests fire at it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["MAX_REQUEST", "Decoy", "Session", "Step"]

#: Bytes a session reads from one client at most (an exploit fits; a flood does not).
MAX_REQUEST = 65_536


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
