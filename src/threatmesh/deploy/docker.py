"""The ``docker`` backend: one container per decoy through the Docker Engine API (unix
socket or TCP), from an image with threatmesh installed, running the same
``python -m threatmesh.sensors.decoys`` as the local backend; its log stream (stdout,
Docker's multiplexed frames) carries the ready line and the interactions.

Containers are hardened: all capabilities dropped but binding low ports, no new
privileges, a read-only root, 64 MiB of memory and a quarter of a CPU (the budget
the issue asks of decoys), labelled ``threatmesh.decoy.*``."""

from __future__ import annotations

import contextlib
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, DeployFailed, Deployment, Record
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import InvalidInput

__all__ = ["DockerBackend"]

DEFAULT_URL = "unix:///var/run/docker.sock"


def _frames(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """stdout payloads of Docker's multiplexed log stream (8-byte headers)."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= 8:
            kind, size = buffer[0], struct.unpack(">I", buffer[4:8])[0]
            if len(buffer) < 8 + size:
                break
            payload, buffer = buffer[8 : 8 + size], buffer[8 + size :]
            if kind == 1:
                yield payload


@dataclass
class _Container:
    id: str
    spec: DecoySpec
    ready: threading.Event = field(default_factory=threading.Event)
    hits: int = 0
    started: float = 0.0
    port: int = 0


class DockerBackend(Backend):
    """Decoy containers on the Docker daemon at ``url``."""

    name = "docker"

    def __init__(
        self,
        *,
        record: Record,
        url: str = DEFAULT_URL,
        image: str = "threatmesh:latest",
        start_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.record, self.image, self.clock = record, image, clock
        self.start_timeout = start_timeout
        if url.startswith("unix://"):
            transport = httpx.HTTPTransport(uds=url.removeprefix("unix://"))
            self._http = httpx.Client(base_url="http://docker", transport=transport, timeout=30)
        else:
            self._http = httpx.Client(base_url=url.rstrip("/"), timeout=30)
        self._containers: dict[tuple[str, str], _Container] = {}
        self._lock = threading.Lock()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DeployFailed(f"Docker API {path}: {exc}") from None
        if response.status_code >= 400:
            message = response.json().get("message", "") if response.content else ""
            error = DeployFailed(f"Docker API {path}: {response.status_code} {message}")
            error.status = response.status_code
            raise error
        return response.json() if response.content else None

    def _create(self, spec: DecoySpec, inside: int) -> str:
        port = f"{inside}/tcp"
        body = {
            "Image": self.image,
            "Cmd": ["python", "-m", "threatmesh.sensors.decoys", "--cve", spec.cve,
                    "--host", spec.host, "--port", str(inside), "--bind", "0.0.0.0"],
            "OpenStdin": True,  # the decoy stops when its stdin closes
            "Labels": {"threatmesh.decoy.cve": spec.cve, "threatmesh.decoy.host": spec.host},
            "ExposedPorts": {port: {}},
            "HostConfig": {
                "PortBindings": {port: [{"HostIp": spec.bind,
                                         "HostPort": str(spec.port) if spec.port else ""}]},
                "CapDrop": ["ALL"], "CapAdd": ["NET_BIND_SERVICE"],
                "SecurityOpt": ["no-new-privileges"], "ReadonlyRootfs": True,
                "Memory": 64 * 2**20, "NanoCpus": 250_000_000,
            },
        }  # fmt: skip
        name = f"threatmesh-decoy-{spec.host}-{spec.cve.lower()}"
        return str(self._call("POST", "/containers/create", params={"name": name}, json=body)["Id"])

    def start(self, spec: DecoySpec) -> Deployment:
        """Create and start the container; return once the decoy in it listens."""
        inside = decoy_for(spec.cve).port
        with self._lock:
            current = self._containers.get(spec.key)
        if current is not None and spec.key in self.running():
            return Deployment(spec, current.port, current.started, current.hits)
        container = _Container(self._create(spec, inside), spec, started=self.clock())
        self._call("POST", f"/containers/{container.id}/start")
        threading.Thread(target=self._follow, args=(container,), daemon=True).start()
        if not container.ready.wait(self.start_timeout):
            self._remove(container.id)
            raise DeployFailed(f"{spec.cve} on {spec.host}: the decoy container did not start")
        info = self._call("GET", f"/containers/{container.id}/json")
        binding = (info.get("NetworkSettings", {}).get("Ports") or {}).get(f"{inside}/tcp") or []
        container.port = int(binding[0]["HostPort"]) if binding else spec.port
        with self._lock:
            self._containers[spec.key] = container
        return Deployment(spec, container.port, container.started)

    def _follow(self, container: _Container) -> None:
        """Read the container's log stream: the ready line, then interactions."""
        params = {"follow": "1", "stdout": "1"}
        path = f"/containers/{container.id}/logs"
        try:
            with self._http.stream("GET", path, params=params, timeout=None) as response:
                pending = b""
                for payload in _frames(response.iter_bytes()):
                    pending += payload
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        self._line(container, line.decode("utf-8", "replace"))
        except httpx.HTTPError:
            return  # the container is gone; running() notices

    def _line(self, container: _Container, line: str) -> None:
        if '"listening"' in line:
            container.ready.set()
            return
        try:
            hit = Interaction.from_line(line)
        except InvalidInput:
            return
        container.hits += 1
        self.record(hit)

    def _remove(self, container_id: str) -> None:
        for method, path, params in (
            ("POST", f"/containers/{container_id}/stop", {"t": "5"}),
            ("DELETE", f"/containers/{container_id}", {"force": "1"}),
        ):
            try:
                self._call(method, path, params=params)
            except DeployFailed as exc:
                if exc.status not in {304, 404}:  # already stopped, already gone
                    raise

    def stop(self, key: tuple[str, str]) -> bool:
        """Stop and remove the decoy's container."""
        with self._lock:
            container = self._containers.pop(key, None)
        if container is None:
            return False
        self._remove(container.id)
        return True

    def running(self) -> dict[tuple[str, str], Deployment]:
        """The containers still running (one that stopped is removed and dropped)."""
        with self._lock:
            containers = dict(self._containers)
        out = {}
        for key, c in containers.items():
            try:
                alive = bool(self._call("GET", f"/containers/{c.id}/json")["State"]["Running"])
            except DeployFailed:
                alive = False
            if alive:
                out[key] = Deployment(c.spec, c.port, c.started, c.hits)
                continue
            with self._lock:
                self._containers.pop(key, None)
            with contextlib.suppress(DeployFailed):
                self._remove(c.id)
        return out

    def close(self) -> None:
        """Stop every decoy container, then the API client."""
        super().close()
        self._http.close()


BACKENDS.register(DockerBackend.name, DockerBackend)
