"""The ``local`` backend (the default): one process per decoy on this host, running
``python -m threatmesh.sensors.decoys``. The process says when it listens and writes one
JSON line per interaction on its standard output, which a reader thread per process
passes to ``record``; closing its standard input (or SIGTERM) stops it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, DeployFailed, Deployment, Record
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import InvalidInput

__all__ = ["LocalBackend"]

MODULE = "threatmesh.sensors.decoys"


def _close(popen: subprocess.Popen[str]) -> None:
    """Close the pipes of a process that ended."""
    for pipe in (popen.stdin, popen.stdout):
        if pipe is not None and not pipe.closed:
            pipe.close()


@dataclass
class _Process:
    deployment: Deployment
    popen: subprocess.Popen[str]
    hits: int = 0
    reader: threading.Thread | None = field(default=None, repr=False)


class LocalBackend(Backend):
    """Decoy processes of this host."""

    name = "local"

    def __init__(
        self,
        *,
        record: Record,
        python: str = sys.executable,
        start_timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.record, self.python, self.clock = record, python, clock
        self.start_timeout = start_timeout
        self._procs: dict[tuple[str, str], _Process] = {}
        self._lock = threading.Lock()

    def start(self, spec: DecoySpec) -> Deployment:
        """Start the decoy's process; return once it listens (DeployFailed otherwise)."""
        decoy_for(spec.cve)
        with self._lock:
            current = self._procs.get(spec.key)
            if current is not None and current.popen.poll() is None:
                return current.deployment
        args = [self.python, "-m", MODULE, "--cve", spec.cve, "--host", spec.host,
                "--port", str(spec.port), "--bind", spec.bind]  # fmt: skip
        popen = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, bufsize=1)  # fmt: skip
        port = self._ready(popen, spec)
        proc = _Process(Deployment(spec, port, self.clock()), popen)
        proc.reader = threading.Thread(target=self._read, args=(proc,), daemon=True)
        proc.reader.start()
        with self._lock:
            self._procs[spec.key] = proc
        return proc.deployment

    def _ready(self, popen: subprocess.Popen[str], spec: DecoySpec) -> int:
        """The port from the process's first line (a timer kills a silent one)."""
        timer = threading.Timer(self.start_timeout, popen.kill)
        timer.start()
        try:
            line = popen.stdout.readline() if popen.stdout else ""
        finally:
            timer.cancel()
        try:
            return int(json.loads(line)["listening"])
        except (ValueError, KeyError, TypeError):
            popen.kill()
            popen.wait()
            _close(popen)
            raise DeployFailed(f"{spec.cve} on {spec.host}: the decoy did not start "
                               f"(port {spec.port} taken or not allowed?)") from None  # fmt: skip

    def _read(self, proc: _Process) -> None:
        assert proc.popen.stdout is not None
        for line in proc.popen.stdout:
            try:
                hit = Interaction.from_line(line)
            except InvalidInput:
                continue
            proc.hits += 1
            self.record(hit)

    def stop(self, key: tuple[str, str]) -> bool:
        """Close the process's standard input, then terminate it if it lingers."""
        with self._lock:
            proc = self._procs.pop(key, None)
        if proc is None:
            return False
        popen = proc.popen
        if popen.stdin is not None:
            popen.stdin.close()
        try:
            popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            popen.terminate()
            popen.wait(timeout=5)
        if proc.reader is not None:
            proc.reader.join(timeout=5)
        _close(popen)
        return True

    def running(self) -> dict[tuple[str, str], Deployment]:
        """The live processes (a process that died is dropped here)."""
        with self._lock:
            dead = [k for k, p in self._procs.items() if p.popen.poll() is not None]
            for key in dead:
                _close(self._procs.pop(key).popen)
            return {k: Deployment(p.deployment.spec, p.deployment.port, p.deployment.started,
                                  p.hits) for k, p in self._procs.items()}  # fmt: skip


BACKENDS.register(LocalBackend.name, LocalBackend)
