"""Test support: which process holds the server side of a loopback TCP connection
(read from /proc), to tell the workers of a multi-process server apart."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """The direct children of process ``pid``."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(c) for c in text]
    return out


def _server_socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the socket whose local port is ``server_port`` and remote port
    ``client_port`` (the server's end of a client's connection)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return inode
    return None


def holder(pids: list[int], server_port: int, client_port: int) -> int | None:
    """Which of ``pids`` serves the connection from ``client_port``."""
    inode = _server_socket_inode(server_port, client_port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            for fd in fd_dir.iterdir():
                try:
                    if os.readlink(fd) == wanted:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


def workers(pid: int) -> list[int]:
    """The worker processes of a multi-process server ``pid`` (its children, less the
    helper multiprocessing starts to track shared resources)."""
    return [
        c
        for c in children(pid)
        if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()
    ]
