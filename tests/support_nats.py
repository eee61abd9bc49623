"""Test support for NATS: the shared server on 4222, and private nats-server processes
that a test may stop and start again (the outage tests)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import free_port, require_service

SHARED_NATS_URL = "nats://127.0.0.1:4222"


def nats_available(host: str = "127.0.0.1", port: int = 4222) -> str | None:
    """None if a NATS server answers on ``host:port``, else the reason it does not."""
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            if not s.recv(4096).startswith(b"INFO"):
                return f"{host}:{port} is not a NATS server"
    except OSError as exc:
        return f"NATS at {host}:{port} is not reachable: {exc.__class__.__name__}"
    return None


def unique_names() -> dict[str, str]:
    """A stream name and a subject prefix no other test uses."""
    suffix = uuid.uuid4().hex[:10]
    return {"stream": f"TMTEST_{suffix}", "prefix": f"tmtest_{suffix}"}


def nats_binary() -> str:
    """The nats-server executable (skips, or fails under CI, when it is missing)."""
    found = shutil.which("nats-server") or (
        "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
    )
    require_service(None if found else "nats-server is not installed (make system-deps)")
    assert found is not None
    return found


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if ``proc`` has not exited within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class NatsProcess:
    """A private ``nats-server -js`` on a free loopback port, with its store in a
    directory of the test, so it can be stopped and started again with its data."""

    def __init__(self, store: Path) -> None:
        self.binary = nats_binary()
        self.port = free_port()
        self.store = store
        self.url = f"nats://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        args = [self.binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while nats_available("127.0.0.1", self.port) is not None:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError(f"nats-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc)


@contextmanager
def nats_process(store: Path) -> Iterator[NatsProcess]:
    """A running private nats-server, stopped at the end."""
    server = NatsProcess(store)
    server.start()
    try:
        yield server
    finally:
        server.stop()
