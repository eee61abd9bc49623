"""The ``memory`` backend: records starts and stops and runs nothing; interactions are
fed in by the caller (``deliver``). For tests of the controller and for dry runs."""

from __future__ import annotations

from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, Deployment, Record
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction

__all__ = ["MemoryBackend"]


class MemoryBackend(Backend):
    """Deployments in a dict."""

    name = "memory"

    def __init__(self, *, record: Record) -> None:
        self.record = record
        self._running: dict[tuple[str, str], Deployment] = {}
        self._next_port = 40_000

    def start(self, spec: DecoySpec) -> Deployment:
        """Note the decoy as running (port 0 gets a made-up one)."""
        decoy_for(spec.cve)  # an unknown CVE fails here as it would on any backend
        if spec.key in self._running:
            return self._running[spec.key]
        port = spec.port
        if port == 0:
            self._next_port += 1
            port = self._next_port
        self._running[spec.key] = Deployment(spec, port, 0.0)
        return self._running[spec.key]

    def stop(self, key: tuple[str, str]) -> bool:
        """Forget the decoy."""
        return self._running.pop(key, None) is not None

    def running(self) -> dict[tuple[str, str], Deployment]:
        """What was started and not stopped."""
        return dict(self._running)

    def deliver(self, hit: Interaction) -> None:
        """Report ``hit`` as the decoy of its host and CVE would (counted if it runs)."""
        key = (hit.host, hit.cve)
        if key in self._running:
            d = self._running[key]
            self._running[key] = Deployment(d.spec, d.port, d.started, d.hits + 1)
        self.record(hit)


BACKENDS.register(MemoryBackend.name, MemoryBackend)
