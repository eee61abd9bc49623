"""Watching one host: snapshots of what it shows, the baseline learned from them, and the
anomalies not reported yet."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from threatmesh.honeypots.hids.baseline import Anomaly, Baseline, Snapshot, Thresholds, learn, score
from threatmesh.honeypots.hids.sshd import AuthEvent
from threatmesh.sensors.host import proc
from threatmesh.sensors.host.authlog import AuthLog

__all__ = ["AuthSource", "HostMonitor", "load_baseline"]


@dataclass(frozen=True, slots=True)
class AuthSource:
    """Where sshd's attempts are read: a syslog file, or a journald JSON export file."""

    path: Path
    journal: bool = False


def load_baseline(path: Path) -> Baseline:
    """A baseline saved as JSON (``Baseline.to_dict``)."""
    return Baseline.from_dict(json.loads(path.read_text()))


class HostMonitor:
    """Takes snapshots of this host: its processes and listening sockets from ``proc``,
    the sshd attempts of the brute-force window from ``auth_log`` (or those handed to
    :meth:`add_auth`, e.g. from journald)."""

    def __init__(
        self,
        *,
        proc_root: Path = proc.PROC,
        auth_log: AuthLog | None = None,
        thresholds: Thresholds | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.proc_root, self.auth_log, self.clock = proc_root, auth_log, clock
        self.thresholds = thresholds or Thresholds()
        self._window: list[AuthEvent] = []  # attempts of the last brute-force window
        self._fresh: list[AuthEvent] = []  # read, not yet in a snapshot
        self._reported: set[str] = set()

    @classmethod
    def watching(cls, source: AuthSource | None, *, history: bool) -> HostMonitor:
        """A monitor of this host reading ``source`` (all of it with ``history``, else
        only what is written from now on)."""
        log = None
        if source is not None:
            log = AuthLog(
                source.path, start_at_end=not history, clock=time.time, journal=source.journal
            )
        return cls(auth_log=log)

    def add_auth(self, events: Iterable[AuthEvent]) -> None:
        """Authentication attempts read elsewhere (journald's export)."""
        self._fresh.extend(events)

    def snapshot(self) -> Snapshot:
        """What the host shows now, with the attempts of the last brute-force window and
        those read since the last snapshot (older ones too: a login is learned, or
        checked, once whenever it happened)."""
        now = int(self.clock())
        if self.auth_log is not None:
            self._fresh.extend(self.auth_log.read())
        fresh, self._fresh = self._fresh, []
        oldest = now - self.thresholds.brute_force_window
        self._window = [e for e in (*self._window, *fresh) if e.at >= oldest]
        return Snapshot(
            at=now,
            listening=tuple(proc.listening(self.proc_root)),
            processes=tuple(proc.processes(self.proc_root)),
            auth=(*self._window, *(e for e in fresh if e.at < oldest)),
        )

    def learn(self, snapshots: int = 1, *, every: float = 0.0) -> Baseline:
        """A baseline from ``snapshots`` snapshots taken ``every`` seconds apart."""
        taken = []
        for i in range(snapshots):
            if i:
                time.sleep(every)
            taken.append(self.snapshot())
        return learn(taken, self.thresholds)

    def check(self, baseline: Baseline) -> list[Anomaly]:
        """The anomalies of a new snapshot not reported before (each once)."""
        found = [a for a in score(baseline, self.snapshot(), self.thresholds)
                 if a.key not in self._reported]  # fmt: skip
        self._reported.update(a.key for a in found)
        return found
