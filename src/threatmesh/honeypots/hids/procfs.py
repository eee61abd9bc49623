"""Linux ``/proc`` text, parsed into records: listening TCP sockets (``/proc/net/tcp``
and ``tcp6``, ``proc(5)``) and processes (``/proc/<pid>/stat``, ``cmdline``).

Addresses in ``/proc/net/tcp*`` are the kernel's ``__be32`` words printed with ``%08X``
on the host's byte order: each 32-bit word is reversed on little-endian machines (all
that Linux runs threatmesh on in practice; ``little_endian=False`` reads big-endian
hosts' tables).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = [
    "LISTEN",
    "ListeningSocket",
    "ProcessInfo",
    "parse_cmdline",
    "parse_net_tcp",
    "parse_stat",
]

#: ``TCP_LISTEN`` in the ``st`` column.
LISTEN = "0A"


@dataclass(frozen=True, slots=True)
class ListeningSocket:
    """A socket listening on ``address:port`` (``tcp`` or ``tcp6``), owned by ``uid``,
    with its inode (``program``: the owner's executable, when the reader found it)."""

    protocol: str
    address: str
    port: int
    uid: int
    inode: int
    program: str = ""


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """A process: ``start`` is its start time in clock ticks after boot (``stat`` field
    22), so ``(pid, start)`` names one process even when pids are reused."""

    pid: int
    ppid: int
    name: str
    state: str
    start: int
    uid: int = -1
    exe: str = ""
    cmdline: tuple[str, ...] = ()

    @property
    def program(self) -> str:
        """What the process runs: its executable, else its first argument, else its name."""
        return self.exe or (self.cmdline[0] if self.cmdline else "") or f"[{self.name}]"


def _address(hex_address: str, little_endian: bool) -> str:
    raw = bytes.fromhex(hex_address)
    if little_endian:
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(raw)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def parse_net_tcp(
    text: str, protocol: str = "tcp", *, little_endian: bool = True
) -> list[ListeningSocket]:
    """The listening sockets of a ``/proc/net/tcp`` or ``tcp6`` table (other states are
    connections, not listeners, and are skipped; so are malformed lines)."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != LISTEN:
            continue
        local, _, port = fields[1].partition(":")
        try:
            found.append(
                ListeningSocket(
                    protocol,
                    _address(local, little_endian),
                    int(port, 16),
                    int(fields[7]),
                    int(fields[9]),
                )
            )
        except ValueError:
            continue
    return found


def parse_stat(text: str) -> ProcessInfo | None:
    """A ``/proc/<pid>/stat`` line (the name is between the first ``(`` and the *last*
    ``)``: it may itself hold parentheses and spaces). None if malformed."""
    head, sep, tail = text.rpartition(")")
    pid_text, _, name = head.partition(" (")
    fields = tail.split()
    if not sep or len(fields) < 20 or not pid_text.strip().isdigit():
        return None
    try:
        return ProcessInfo(
            pid=int(pid_text),
            ppid=int(fields[1]),
            name=name,
            state=fields[0],
            start=int(fields[19]),
        )
    except ValueError:
        return None


def parse_cmdline(raw: bytes) -> tuple[str, ...]:
    """``/proc/<pid>/cmdline``: NUL-separated arguments (empty for kernel threads)."""
    return tuple(a.decode("utf-8", "replace") for a in raw.split(b"\0") if a)
