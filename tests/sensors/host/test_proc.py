"""Processes and listening sockets read from the real /proc of this machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from threatmesh.sensors.host.proc import listening, processes

PORTS = range(18700, 18750)
SERVE = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("ready", flush=True)
time.sleep(60)
"""


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18700-18749")


@pytest.fixture
def listener() -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port), "threatmesh-test-marker"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc, port
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_listening_process_is_seen_with_its_port(
    listener: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = listener
    socks = [s for s in listening() if s.port == port]
    assert len(socks) == 1
    (sock,) = socks
    assert (sock.protocol, sock.address, sock.uid) == ("tcp", "127.0.0.1", os.getuid())
    assert sock.program == os.path.realpath(sys.executable)
    (child,) = [p for p in processes() if p.pid == proc.pid]
    assert child.ppid == os.getpid()
    assert child.cmdline[-1] == "threatmesh-test-marker"
    assert child.exe == os.path.realpath(sys.executable)
    assert child.start > 0


def test_a_port_closes_when_its_process_ends(listener: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = listener
    assert any(s.port == port for s in listening(owners=False))
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while any(s.port == port for s in listening(owners=False)):
        assert time.monotonic() < deadline, "the port stayed open"
        time.sleep(0.05)
    assert all(p.pid != proc.pid for p in processes())
