"""The ``ssh`` backend: decoys on a remote Linux host (threatmesh installed there) over
one SSH connection (paramiko, the ``adaptive`` extra), one exec channel per decoy
running ``python3 -m threatmesh.sensors.decoys``: the channel's stdout carries the ready
line and the interactions, and closing its stdin (EOF) stops the decoy, as with the
local backend. The remote host key must be known (``known_hosts``) unless
``trust_unknown_host`` is set."""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, DeployFailed, Deployment, Record
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import InvalidInput

__all__ = ["SshBackend"]


@dataclass
class _Remote:
    deployment: Deployment
    channel: Any
    hits: int = 0


class SshBackend(Backend):
    """Decoys on ``host`` reached over SSH as ``username``."""

    name = "ssh"

    def __init__(
        self,
        *,
        record: Record,
        host: str,
        port: int = 22,
        username: str = "threatmesh",
        password: str | None = None,
        key_filename: str | None = None,
        known_hosts: str | None = None,
        trust_unknown_host: bool = False,
        python: str = "python3",
        start_timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import paramiko
        except ImportError:  # pragma: no cover - the extra names what to install
            raise DeployFailed(
                "the ssh backend needs paramiko: pip install 'threatmesh[adaptive]'"
            ) from None
        self.record, self.python, self.clock = record, python, clock
        self.start_timeout = start_timeout
        self._client = paramiko.SSHClient()
        if known_hosts:
            self._client.load_host_keys(known_hosts)
        if trust_unknown_host:
            self._client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self._connect: dict[str, Any] = {
            "hostname": host, "port": port, "username": username, "password": password,
            "key_filename": key_filename, "timeout": start_timeout, "allow_agent": False,
            "look_for_keys": key_filename is None,
        }  # fmt: skip
        self._remotes: dict[tuple[str, str], _Remote] = {}
        self._lock = threading.Lock()

    def _transport(self) -> Any:
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            try:
                self._client.connect(**self._connect)
            except Exception as exc:  # paramiko's and the socket's errors alike
                raise DeployFailed(f"ssh {self._connect['hostname']}: {exc}") from None
            transport = self._client.get_transport()
        return transport

    def start(self, spec: DecoySpec) -> Deployment:
        """Run the decoy on the remote host; return once it listens there."""
        decoy_for(spec.cve)
        with self._lock:
            current = self._remotes.get(spec.key)
        if current is not None and not current.channel.exit_status_ready():
            return current.deployment
        command = shlex.join([self.python, "-m", "threatmesh.sensors.decoys", "--cve", spec.cve,
                              "--host", spec.host, "--port", str(spec.port),
                              "--bind", spec.bind])  # fmt: skip
        channel = self._transport().open_session()
        channel.settimeout(self.start_timeout)
        channel.exec_command(command)
        stdout = channel.makefile("r")
        try:
            port = int(json.loads(stdout.readline())["listening"])
        except Exception:  # a timeout, a closed channel, a line that is not the ready one
            channel.close()
            raise DeployFailed(
                f"{spec.cve} on {spec.host}: the remote decoy did not start"
            ) from None
        channel.settimeout(None)
        remote = _Remote(Deployment(spec, port, self.clock()), channel)
        threading.Thread(target=self._read, args=(remote, stdout), daemon=True).start()
        with self._lock:
            self._remotes[spec.key] = remote
        return remote.deployment

    def _read(self, remote: _Remote, stdout: Any) -> None:
        for line in stdout:
            try:
                hit = Interaction.from_line(line)
            except InvalidInput:
                continue
            remote.hits += 1
            self.record(hit)

    def stop(self, key: tuple[str, str]) -> bool:
        """Send EOF to the decoy (it stops), then close its channel."""
        with self._lock:
            remote = self._remotes.pop(key, None)
        if remote is None:
            return False
        channel = remote.channel
        channel.shutdown_write()
        deadline = time.monotonic() + 5
        while not channel.exit_status_ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        channel.close()
        return True

    def running(self) -> dict[tuple[str, str], Deployment]:
        """The remote decoys whose command has not exited."""
        with self._lock:
            for key in [k for k, r in self._remotes.items() if r.channel.exit_status_ready()]:
                self._remotes.pop(key).channel.close()
            return {k: Deployment(r.deployment.spec, r.deployment.port, r.deployment.started,
                                  r.hits) for k, r in self._remotes.items()}  # fmt: skip

    def close(self) -> None:
        """Stop every decoy, then the connection."""
        super().close()
        self._client.close()


BACKENDS.register(SshBackend.name, SshBackend)
