"""The backend interface: start a decoy from a :class:`DecoySpec`, stop it, list what
runs (the actual state the reconcile loop compares with the desired one), and report
every interaction to the callback the backend was built with."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass

from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import ThreatmeshError
from threatmesh.model.registry import Registry

__all__ = ["BACKENDS", "Backend", "DecoySpec", "DeployFailed", "Deployment", "Record", "create"]

#: Where a backend sends each interaction its decoys record.
Record = Callable[[Interaction], None]


class DeployFailed(ThreatmeshError):
    """A decoy did not start (or the backend's API failed); ``status`` as the API says."""

    status = 500


@dataclass(frozen=True, slots=True)
class DecoySpec:
    """A decoy to run: the CVE it emulates, for which host, where it listens (port 0:
    any free one), and for how long it is meant to run (seconds; None: until stopped).
    The controller stops a decoy at its TTL; a backend may also hand the TTL to its
    platform as a backstop for when the agent is gone."""

    cve: str
    host: str
    port: int = 0
    bind: str = "127.0.0.1"
    ttl: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a deployment: one decoy per host and CVE."""
        return (self.host, self.cve)


@dataclass(frozen=True, slots=True)
class Deployment:
    """A running decoy: its spec, the port it actually listens on, when it started and
    how many interactions it recorded."""

    spec: DecoySpec
    port: int
    started: float
    hits: int = 0


class Backend(abc.ABC):
    """Runs decoys somewhere. Implementations take ``record`` (the interaction sink)
    and their own options as keyword arguments."""

    name: str

    @abc.abstractmethod
    def start(self, spec: DecoySpec) -> Deployment:
        """Start the decoy and return once it listens. Starting a spec whose key is
        already running returns the running deployment."""

    @abc.abstractmethod
    def stop(self, key: tuple[str, str]) -> bool:
        """Stop the decoy of ``(host, cve)``; whether one was running."""

    @abc.abstractmethod
    def running(self) -> dict[tuple[str, str], Deployment]:
        """The decoys running now, by ``(host, cve)`` (a dead one is not listed)."""

    def close(self) -> None:
        """Stop every decoy."""
        for key in list(self.running()):
            self.stop(key)


#: Backend classes by name.
BACKENDS: Registry[type[Backend]] = Registry("deployment backend")


def create(name: str, *, record: Record, **options: object) -> Backend:
    """A backend by name (``memory``, ``local``, ``docker``, ``ssh``, ``kubernetes``),
    loaded on first use."""
    # Importing the modules registers them (their clients are imported on construction).
    from threatmesh.deploy import docker, kubernetes, local, memory, ssh  # noqa: F401

    return BACKENDS[name](record=record, **options)  # type: ignore[call-arg]
