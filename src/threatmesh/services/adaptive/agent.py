"""The host agent (Briareos' role): through a platform's MISP API and event stream only,
it reports its hosts' inventory, runs the controller for them (intelligence from the
stream, decoys through a deployment backend, the local one by default), feeds every
decoy interaction back, and keeps a status file for ``threatmesh agent status``."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.stream import Subscription
from threatmesh.deploy.base import Backend, create
from threatmesh.honeypots.adapt import Plan, Policy
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.honeypots.inventory import Host
from threatmesh.services.adaptive.controller import Controller
from threatmesh.services.adaptive.feedback import feed_back
from threatmesh.services.adaptive.remote import publish_inventory

__all__ = ["Agent", "AgentConfig", "read_status"]

log = logging.getLogger("threatmesh.agent")
#: What the controller listens to: published events, and vulnerability attributes added.
TOPICS = ("misp_json", "misp_json_attribute")


@dataclass(frozen=True)
class AgentConfig:
    """Where the platform is, which hosts the agent answers for, its policy."""

    url: str
    key: str
    hosts: Sequence[Host]
    policy: Policy
    backend: str = "local"
    bind: str = "127.0.0.1"
    interval: float = 5.0
    state_file: Path | None = None
    #: At start, also act on the intelligence published this long ago (restSearch's
    #: ``last``, e.g. ``7d``; None: only what arrives from then on).
    catch_up: str | None = "1d"
    #: The backend's own options (``docker``: ``url``, ``image``).
    backend_options: Mapping[str, object] = field(default_factory=dict)


class Agent:
    """One agent; ``run`` until ``stop`` is set (``backend`` replaces the named one)."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        clock: Callable[[], float] = time.time,
        backend: Backend | None = None,
    ) -> None:
        self.config, self.clock = config, clock
        self.hits: queue.Queue[Interaction | None] = queue.Queue()
        self.backend = backend or create(
            config.backend, record=self.hits.put, **config.backend_options
        )
        hosts = {h.name: h.software for h in config.hosts}
        plan = Plan(config.policy, CATALOGUE)
        self.controller = Controller(plan, self.backend, hosts, clock=clock, bind=config.bind)
        self.fed = 0
        self._subscription: Subscription | None = None
        self.listening = threading.Event()

    def _client(self) -> ThreatmeshClient:
        return ThreatmeshClient(self.config.url, self.config.key, timeout=60)

    def _listen(self, subscription: Subscription) -> None:
        for frame in subscription:
            self.listening.set()
            if isinstance(frame.data, dict):
                self.controller.on_frame(frame.topic, frame.data)

    def _feed(self) -> None:
        with self._client() as client:
            while (hit := self.hits.get()) is not None:
                self.controller.on_hit(hit)
                try:
                    feed_back(client, hit)
                    self.fed += 1
                except ClientError as exc:
                    log.warning("hit on %s (%s) not reported: %s", hit.host, hit.cve, exc.message)

    def catch_up(self, client: ThreatmeshClient) -> None:
        """Act on the vulnerability intelligence published within ``catch_up``."""
        if not self.config.catch_up:
            return
        body = {"returnFormat": "json", "type": "vulnerability", "published": 1,
                "last": self.config.catch_up}  # fmt: skip
        try:
            answer = client.request("POST", "/events/restSearch", json=body)
        except ClientError as exc:
            log.warning("catching up on intelligence failed: %s", exc.message)
            return
        found = answer.get("response", []) if isinstance(answer, dict) else answer or []
        for event in found:
            if isinstance(event, dict):
                self.controller.on_frame("misp_json", event)

    def run_once(self) -> None:
        """One reconcile pass, then the status file."""
        self.controller.reconcile()
        self._write_status()

    def _write_status(self) -> None:
        if self.config.state_file is not None:
            status = {"updated": int(self.clock()), "decoys": self.controller.status(),
                      "held": self.controller.held()}  # fmt: skip
            tmp = self.config.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(status, indent=2))
            tmp.replace(self.config.state_file)

    def run(self, stop: threading.Event) -> None:
        """Report the inventory, then listen, reconcile every ``interval`` and feed hits
        back until ``stop``; every decoy is stopped on the way out."""
        with self._client() as client:
            for host in self.config.hosts:
                publish_inventory(client, host)
        feeder = threading.Thread(target=self._feed, daemon=True, name="agent-feedback")
        subscription = Subscription(self.config.url, self.config.key, topics=TOPICS,
                                    stop=threading.Event())  # fmt: skip
        listener = threading.Thread(target=self._listen, args=(subscription,), daemon=True,
                                    name="agent-stream")  # fmt: skip
        feeder.start()
        listener.start()
        try:
            # Once subscribed, so that nothing published meanwhile falls in between.
            subscription.opened.wait(30)
            with self._client() as client:
                self.catch_up(client)
            while not stop.is_set():
                if subscription.opened.is_set():
                    self.listening.set()
                self.run_once()
                stop.wait(self.config.interval)
        finally:
            subscription.close()
            listener.join(timeout=10)
            self.backend.close()
            self.hits.put(None)
            feeder.join(timeout=30)
            self._write_status()  # no decoy runs any more


def read_status(path: Path, now: float) -> dict[str, Any]:
    """The agent's status file (``{"updated", "decoys"}``), the time left recomputed for
    ``now`` when the file is older."""
    status: dict[str, Any] = json.loads(path.read_text())
    age = max(0, int(now) - int(status.get("updated", now)))
    for decoy in status.get("decoys", []):
        decoy["ttl_left"] = max(0, int(decoy.get("ttl_left", 0)) - age)
    return status
