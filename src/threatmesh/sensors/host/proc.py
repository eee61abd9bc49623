"""Processes and listening sockets, read from ``/proc`` (``proc(5)``).

Whatever disappears or may not be read while walking (a process that exits, another
user's ``exe`` link without the privilege to read it) is skipped or left empty, never an
error: a scan is a best-effort picture of a moving system.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from threatmesh.honeypots.hids.procfs import (
    ListeningSocket,
    ProcessInfo,
    parse_cmdline,
    parse_net_tcp,
    parse_stat,
)

__all__ = ["PROC", "listening", "processes", "socket_owners"]

PROC = Path("/proc")


def _pids(proc: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(proc))
    except OSError:
        return
    for entry in entries:
        if entry.name.isdigit():
            yield Path(entry.path)


def _read_process(folder: Path) -> ProcessInfo | None:
    try:
        info = parse_stat(folder.joinpath("stat").read_text(errors="replace"))
        uid = folder.stat().st_uid
        cmdline = parse_cmdline(folder.joinpath("cmdline").read_bytes())
    except OSError:  # exited while we looked
        return None
    if info is None:
        return None
    try:
        exe = os.readlink(folder / "exe")
    except OSError:  # a kernel thread, or not ours to read
        exe = ""
    return replace(info, uid=uid, exe=exe, cmdline=cmdline)


def processes(proc: Path = PROC) -> list[ProcessInfo]:
    """Every process visible in ``proc``, by pid."""
    found = (_read_process(folder) for folder in _pids(proc))
    return sorted((p for p in found if p is not None), key=lambda p: p.pid)


def socket_owners(proc: Path = PROC) -> dict[int, str]:
    """Socket inode -> the executable of a process holding it (the lowest pid's)."""
    owners: dict[int, str] = {}
    for folder in sorted(_pids(proc), key=lambda p: int(p.name), reverse=True):
        try:
            fds = list(os.scandir(folder / "fd"))
            exe = os.readlink(folder / "exe")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            if target.startswith("socket:["):
                owners[int(target[8:-1])] = exe
    return owners


def listening(proc: Path = PROC, *, owners: bool = True) -> list[ListeningSocket]:
    """The TCP sockets listening in this network namespace (``net/tcp`` and ``tcp6``),
    each with the program holding it when ``owners`` (that walks every process's fds)."""
    found: list[ListeningSocket] = []
    for protocol in ("tcp", "tcp6"):
        try:
            text = proc.joinpath("net", protocol).read_text()
        except OSError:  # no IPv6 on this host
            continue
        found.extend(parse_net_tcp(text, protocol))
    if owners:
        programs = socket_owners(proc)
        found = [replace(s, program=programs.get(s.inode, "")) for s in found]
    return sorted(found, key=lambda s: (s.port, s.protocol, s.address))
