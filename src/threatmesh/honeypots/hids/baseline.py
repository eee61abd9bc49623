"""Host anomaly detection: learn what a host normally does, flag what it has not done
before, and say why (after Martins, "Anomaly Detection in Cybersecurity", MSc thesis,
University of Porto, 2020: a per-host baseline of normal behaviour, anomalies as
departures from it).

A :class:`Baseline` is learned from snapshots taken over a window (listening ports and
their programs, the programs that ran, who logged in from which networks, and the most
failed logins one source made within the brute-force window). :func:`score` compares a
new snapshot with it:

- ``new-listening-port``: a port nobody listened on, or a known port now held by
  another program;
- ``unusual-process``: a program never seen running (more severe from a world-writable
  directory or a deleted executable, where droppers run from);
- ``brute-force``: a source failing to log in at least ``brute_force_min`` times within
  the window, and more than ``brute_force_factor`` times the baseline's worst source;
- ``new-login-source`` / ``new-login-user``: an accepted login from a network that user
  never logged in from (worse right after failures from it), or by a new user.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from threatmesh.honeypots.hids.procfs import ListeningSocket, ProcessInfo
from threatmesh.honeypots.hids.sshd import AuthEvent, Outcome

__all__ = [
    "Anomaly",
    "AnomalyKind",
    "Baseline",
    "Snapshot",
    "Thresholds",
    "learn",
    "merge",
    "network_of",
    "score",
]


class AnomalyKind(StrEnum):
    """What kind of departure from the baseline."""

    NEW_LISTENING_PORT = "new-listening-port"
    UNUSUAL_PROCESS = "unusual-process"
    BRUTE_FORCE = "brute-force"
    NEW_LOGIN_SOURCE = "new-login-source"
    NEW_LOGIN_USER = "new-login-user"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a host showed at ``at``: its listening sockets and processes, and the
    authentication attempts of the brute-force window before ``at``."""

    at: int
    listening: tuple[ListeningSocket, ...] = ()
    processes: tuple[ProcessInfo, ...] = ()
    auth: tuple[AuthEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The scorer's settings."""

    brute_force_window: int = 600
    brute_force_min: int = 10
    brute_force_factor: float = 3.0
    prefix_v4: int = 24
    prefix_v6: int = 64
    suspicious_dirs: tuple[str, ...] = ("/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/")


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One departure from the baseline, explained. ``subject`` names what it is about;
    ``source``, ``port``, ``program`` and ``user`` are set where they apply."""

    kind: AnomalyKind
    at: int
    severity: float
    subject: str
    explanation: str
    source: str = ""
    port: int = 0
    program: str = ""
    user: str = ""

    @property
    def key(self) -> str:
        """The same anomaly seen again has the same key (reported once)."""
        return f"{self.kind}|{self.subject}"


@dataclass(frozen=True, slots=True)
class Baseline:
    """What the host normally does, learned over ``[start, end]``."""

    start: int
    end: int
    ports: Mapping[int, frozenset[str]] = field(default_factory=dict)
    programs: frozenset[str] = frozenset()
    login_sources: Mapping[str, frozenset[str]] = field(default_factory=dict)
    max_failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (sorted, so a saved baseline diffs cleanly)."""
        return {
            "start": self.start,
            "end": self.end,
            "ports": {str(p): sorted(progs) for p, progs in sorted(self.ports.items())},
            "programs": sorted(self.programs),
            "login_sources": {u: sorted(n) for u, n in sorted(self.login_sources.items())},
            "max_failures": self.max_failures,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Baseline:
        """The baseline :meth:`to_dict` wrote."""
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            ports={int(p): frozenset(v) for p, v in data.get("ports", {}).items()},
            programs=frozenset(data.get("programs", ())),
            login_sources={u: frozenset(n) for u, n in data.get("login_sources", {}).items()},
            max_failures=int(data.get("max_failures", 0)),
        )


def network_of(source: str, t: Thresholds) -> str:
    """The network a login source belongs to (``/24``, ``/64``); a name stays itself."""
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source
    prefix = t.prefix_v4 if address.version == 4 else t.prefix_v6
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _failures(events: Iterable[AuthEvent], end: int, t: Thresholds) -> dict[str, int]:
    """Failed attempts per source within the window ending at ``end``."""
    counts: dict[str, int] = {}
    for e in events:
        if e.outcome is not Outcome.ACCEPTED and end - t.brute_force_window <= e.at <= end:
            counts[e.source] = counts.get(e.source, 0) + e.count
    return counts


def _worst_window(events: Iterable[AuthEvent], t: Thresholds) -> int:
    """The most failures one source made within any brute-force window."""
    per_source: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        if e.outcome is not Outcome.ACCEPTED:
            per_source.setdefault(e.source, []).append((e.at, e.count))
    worst = 0
    for attempts in per_source.values():
        attempts.sort()
        first, total = 0, 0
        for at, count in attempts:  # a sliding window over the sorted attempts
            total += count
            while at - attempts[first][0] > t.brute_force_window:
                total -= attempts[first][1]
                first += 1
            worst = max(worst, total)
    return worst


def _real(process: ProcessInfo) -> bool:
    """Kernel threads have no executable and no command line: not programs."""
    return bool(process.exe or process.cmdline)


def learn(snapshots: Iterable[Snapshot], t: Thresholds | None = None) -> Baseline:
    """The baseline of ``snapshots`` (taken over the learning window)."""
    t = t or Thresholds()
    ports: dict[int, set[str]] = {}
    programs: set[str] = set()
    sources: dict[str, set[str]] = {}
    max_failures, start, end = 0, None, None
    for snap in snapshots:
        start = snap.at if start is None else min(start, snap.at)
        end = snap.at if end is None else max(end, snap.at)
        for sock in snap.listening:
            ports.setdefault(sock.port, set()).update({sock.program} if sock.program else set())
        programs.update(p.program for p in snap.processes if _real(p))
        for e in snap.auth:
            if e.outcome is Outcome.ACCEPTED:
                sources.setdefault(e.user, set()).add(network_of(e.source, t))
        max_failures = max(max_failures, _worst_window(snap.auth, t))
    return Baseline(
        start=start or 0,
        end=end or 0,
        ports={p: frozenset(v) for p, v in ports.items()},
        programs=frozenset(programs),
        login_sources={u: frozenset(n) for u, n in sources.items()},
        max_failures=max_failures,
    )


def _ports(b: Baseline, snap: Snapshot) -> Iterable[Anomaly]:
    seen: set[tuple[int, str]] = set()
    for sock in sorted(snap.listening, key=lambda s: (s.port, s.program)):
        if (sock.port, sock.program) in seen:
            continue
        seen.add((sock.port, sock.program))
        known = b.ports.get(sock.port)
        owner = sock.program or "an unknown program"
        if known is None:
            why = f"port {sock.port}/tcp is listening ({owner}); it never was while learning"
        elif sock.program and known and sock.program not in known:
            why = f"port {sock.port}/tcp is now held by {owner}, not {', '.join(sorted(known))}"
        else:
            continue
        severity = 0.8 if sock.port < 1024 or not sock.program else 0.6
        yield Anomaly(
            AnomalyKind.NEW_LISTENING_PORT, snap.at, severity, f"{sock.port}/tcp {owner}", why,
            port=sock.port, program=sock.program,
        )  # fmt: skip


def _processes(b: Baseline, snap: Snapshot, t: Thresholds) -> Iterable[Anomaly]:
    new = sorted({p.program for p in snap.processes if _real(p)} - b.programs)
    for program in new:
        dropped = program.startswith(t.suspicious_dirs) or program.endswith(" (deleted)")
        why = f"{program} is running; it never ran while learning"
        if dropped:
            why += " (from a world-writable directory or a deleted file)"
        yield Anomaly(
            AnomalyKind.UNUSUAL_PROCESS, snap.at, 0.7 if dropped else 0.3, program, why,
            program=program,
        )  # fmt: skip


def _brute_force(b: Baseline, snap: Snapshot, t: Thresholds) -> Iterable[Anomaly]:
    limit = max(t.brute_force_min, t.brute_force_factor * b.max_failures)
    minutes = t.brute_force_window // 60
    for source, count in sorted(_failures(snap.auth, snap.at, t).items()):
        if count < limit:
            continue
        users = sorted({e.user for e in snap.auth if e.source == source and e.user})
        why = (
            f"{count} failed logins from {source} within {minutes} min "
            f"(threshold {limit:g}; the baseline's worst source made {b.max_failures})"
        )
        severity = min(1.0, 0.5 + count / 200)
        yield Anomaly(
            AnomalyKind.BRUTE_FORCE, snap.at, severity, source, why, source=source,
            user=",".join(users[:10]),
        )  # fmt: skip


def _logins(b: Baseline, snap: Snapshot, t: Thresholds) -> Iterable[Anomaly]:
    failed = _failures(snap.auth, snap.at, t)
    reported: set[tuple[str, str]] = set()
    for e in sorted(snap.auth, key=lambda e: e.at):
        network = network_of(e.source, t)
        if e.outcome is not Outcome.ACCEPTED or (e.user, network) in reported:
            continue
        reported.add((e.user, network))
        known = b.login_sources.get(e.user)
        if known is not None and network in known:
            continue
        after = failed.get(e.source, 0)
        if known is None:
            kind, severity = AnomalyKind.NEW_LOGIN_USER, 0.6
            why = f"{e.user} logged in ({e.method}) from {e.source}; {e.user} never did"
        else:
            kind, severity = AnomalyKind.NEW_LOGIN_SOURCE, 0.5
            why = f"{e.user} logged in ({e.method}) from {e.source}, outside {e.user}'s networks"
        if after:
            severity = 0.9
            why += f", after {after} failed attempts from there"
        yield Anomaly(kind, e.at, severity, f"{e.user}@{network}", why, source=e.source,
                      user=e.user)  # fmt: skip


def score(b: Baseline, snap: Snapshot, t: Thresholds | None = None) -> list[Anomaly]:
    """The anomalies of ``snap`` against baseline ``b``, most severe first."""
    t = t or Thresholds()
    found = [
        *_ports(b, snap),
        *_processes(b, snap, t),
        *_brute_force(b, snap, t),
        *_logins(b, snap, t),
    ]
    return sorted(found, key=lambda a: (-a.severity, a.kind, a.subject))


def merge(baseline: Baseline, anomalies: Sequence[Anomaly]) -> Baseline:
    """``baseline`` accepting ``anomalies`` as normal (an operator's "this is fine")."""
    ports = {p: set(v) for p, v in baseline.ports.items()}
    programs = set(baseline.programs)
    sources = {u: set(n) for u, n in baseline.login_sources.items()}
    for a in anomalies:
        if a.kind is AnomalyKind.NEW_LISTENING_PORT:
            ports.setdefault(a.port, set()).update({a.program} if a.program else set())
        elif a.kind is AnomalyKind.UNUSUAL_PROCESS:
            programs.add(a.program)
        elif a.kind in {AnomalyKind.NEW_LOGIN_SOURCE, AnomalyKind.NEW_LOGIN_USER}:
            sources.setdefault(a.user, set()).add(a.subject.rpartition("@")[2])
    return Baseline(
        baseline.start, baseline.end, {p: frozenset(v) for p, v in ports.items()},
        frozenset(programs), {u: frozenset(n) for u, n in sources.items()}, baseline.max_failures,
    )  # fmt: skip
