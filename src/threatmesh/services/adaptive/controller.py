"""The adaptive controller: intelligence from the event stream goes through the
placement policy (``honeypots.adapt``) into the desired state; the reconcile loop
drives a deployment backend's actual state to it, starting what is missing, stopping
what is no longer wanted, tearing decoys down when their time is up, and placing the
decoys deferred for want of budget once room frees up. What the policy holds back
(refused, deferred) is kept, with its reason, for the agent's status."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmesh.deploy.base import Backend, DecoySpec
from threatmesh.honeypots.adapt import Decision, Intelligence, Plan, intelligence_in
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import ThreatmeshError

__all__ = ["Controller", "Reconciled", "intelligence_of_frame"]

log = logging.getLogger("threatmesh.adaptive")


def intelligence_of_frame(topic: str, data: Mapping[str, Any]) -> list[Intelligence]:
    """The CVEs a stream notification reports: a published event (``misp_json``), or
    a ``vulnerability`` attribute added (``misp_json_attribute``, with its event's
    fields; its event's tags are not in that notification)."""
    if topic == "misp_json":
        return intelligence_in(data)
    attribute = data.get("Attribute")
    if topic == "misp_json_attribute" and isinstance(attribute, Mapping):
        if attribute.get("type") == "vulnerability" and data.get("action") != "delete":
            event = data.get("Event")
            fields = dict(event) if isinstance(event, Mapping) else {}
            return intelligence_in({"Event": {**fields, "Attribute": [attribute]}})
    return []


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What one reconcile pass did: the decoys started, stopped and failed to start."""

    started: tuple[tuple[str, str], ...]
    stopped: tuple[tuple[str, str], ...]
    failed: tuple[tuple[str, str], ...]


class Controller:
    """Desired state from intelligence (``on_intelligence``), actual state from the
    backend (``reconcile``); thread-safe, as the stream and the loop run apart."""

    def __init__(
        self,
        plan: Plan,
        backend: Backend,
        hosts: Mapping[str, Sequence[str]],
        *,
        clock: Callable[[], float],
        bind: str = "127.0.0.1",
    ) -> None:
        self.plan, self.backend, self.hosts = plan, backend, dict(hosts)
        self.clock, self.bind = clock, bind
        self.decisions: list[Decision] = []
        #: The latest refusal or deferral of each (host, CVE) not placed since.
        self._held: dict[tuple[str, str], tuple[Decision, int]] = {}
        self._lock = threading.Lock()

    def _note(self, decisions: Sequence[Decision]) -> None:
        """Keep and log decisions (called holding the lock); refusals and deferrals are
        warnings and stay in the status until their decoy is placed."""
        now = int(self.clock())
        self.decisions.extend(decisions)
        for d in decisions:
            held = d.action in {"refused", "deferred"}
            if held:
                self._held[(d.host, d.cve)] = (d, now)
            else:
                self._held.pop((d.host, d.cve), None)
            level = logging.WARNING if held else logging.INFO
            log.log(level, "decoy %s on %s: %s (%s)", d.cve, d.host, d.action, d.reason)

    def on_intelligence(self, intel: Sequence[Intelligence]) -> list[Decision]:
        """Apply the policy to ``intel``; the decisions (refusals are logged)."""
        with self._lock:
            decisions = self.plan.apply(intel, self.hosts, int(self.clock()))
            self._note(decisions)
        return decisions

    def on_frame(self, topic: str, data: Mapping[str, Any]) -> list[Decision]:
        """Apply the policy to what a stream notification reports."""
        intel = intelligence_of_frame(topic, data)
        return self.on_intelligence(intel) if intel else []

    def on_hit(self, hit: Interaction) -> Decision | None:
        """A decoy was hit: an alert in the log, and the policy's escalation."""
        what = "exploitation attempt" if hit.exploit else "interaction"
        log.warning("decoy %s on %s: %s from %s:%d", hit.cve, hit.host, what, hit.peer,
                    hit.peer_port)  # fmt: skip
        with self._lock:
            decision = self.plan.on_hit(hit.host, hit.cve, int(self.clock()))
            if decision is not None:
                self._note([decision])
        return decision

    def reconcile(self) -> Reconciled:
        """Expire placements, admit deferred ones that now fit the budget, then start
        and stop decoys until the backend runs what the plan wants (a decoy that fails
        to start is retried next pass)."""
        now = int(self.clock())
        with self._lock:
            for gone in self.plan.expire(now):
                log.info("decoy %s on %s: expired", gone.cve, gone.host)
            self._note(self.plan.admit(now))
            desired = dict(self.plan.placements)
        actual = self.backend.running()
        stopped = tuple(k for k in actual if k not in desired and self.backend.stop(k))
        started, failed = [], []
        for key, placement in desired.items():
            if key in actual:
                continue
            port = decoy_for(placement.cve).port if placement.port is None else placement.port
            ttl = max(1, placement.expires - now)
            try:
                self.backend.start(DecoySpec(placement.cve, placement.host, port, self.bind, ttl))
                started.append(key)
            except ThreatmeshError as exc:
                log.warning("decoy %s on %s: not started: %s", key[1], key[0], exc.message)
                failed.append(key)
        return Reconciled(tuple(started), stopped, tuple(failed))

    def status(self) -> list[dict[str, Any]]:
        """The running decoys: CVE, host, port, seconds left, hits."""
        now = int(self.clock())
        with self._lock:
            placements = dict(self.plan.placements)
        out = []
        for key, d in sorted(self.backend.running().items()):
            placement = placements.get(key)
            out.append({
                "cve": d.spec.cve, "host": d.spec.host, "port": d.port, "hits": d.hits,
                "ttl_left": max(0, placement.expires - now) if placement else 0,
                "rule": placement.rule if placement else None,
            })  # fmt: skip
        return out

    def held(self) -> list[dict[str, Any]]:
        """The decoys the policy holds back: CVE, host, refused or deferred, why, when."""
        with self._lock:
            held = sorted(self._held.items())
        return [{"cve": d.cve, "host": d.host, "action": d.action, "reason": d.reason,
                 "at": at} for _, (d, at) in held]  # fmt: skip
