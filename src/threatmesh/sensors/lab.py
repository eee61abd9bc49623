"""The traffic lab: real services, benign clients and attack tools in private namespaces.

One run ("day") follows a plan (:mod:`threatmesh.sensors.lab_plan`: attack tools and
their options, in order): benign traffic flows throughout, and the attacker runs each
tool in turn between benign spells of its own. The bridge is captured with tcpdump; what
ran when is written as the run's :class:`Schedule`, from which flows are labelled.

The attacker's browsing stops before each tool (its request in flight is waited for)
and resumes only after the schedule's grace period: no flow of its own starts in a
step's window or grace, so none can be taken for the tool's.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threatmesh.detection.schedule import GRACE_SECONDS, Schedule, Step
from threatmesh.sensors import lab_hosts, netns
from threatmesh.sensors.lab_plan import Plan, resolve
from threatmesh.sensors.netns import LabError, Topology, network

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LabRun:
    """Where a run left its capture and schedule."""

    pcap: Path
    schedule_path: Path
    schedule: Schedule


class _Clients:
    """Benign client loops, one thread per client host; the attacker's can be paused."""

    def __init__(self, topo: Topology, work: Path, seed: int) -> None:
        self.topo, self.work, self.seed = topo, work, seed
        self.stop = threading.Event()
        self.attacker_busy = threading.Event()
        # Held while the attacker's benign request runs: taking it waits that one out.
        self.attacker_request = threading.Lock()
        self.threads = [
            threading.Thread(target=self._loop, args=(role, i), daemon=True)
            for i, role in enumerate(("client1", "client1", "client2", "client2", "attacker"))
        ]

    def _loop(self, role: str, index: int) -> None:
        rng = random.Random(self.seed * 100 + index)
        while not self.stop.is_set():
            if role == "attacker":
                with self.attacker_request:
                    if not self.attacker_busy.is_set():
                        self._request(role, rng)
            else:
                self._request(role, rng)
            # Clients think between requests; the attacker's benign browsing is sparser.
            time.sleep(rng.uniform(0.02, 0.3) * (4 if role == "attacker" else 1))

    def _request(self, role: str, rng: random.Random) -> None:
        argv = self.topo.exec_argv(role, lab_hosts.benign_action(self.work, rng))
        try:
            subprocess.run(argv, capture_output=True, timeout=15, check=False, cwd=self.work)
        except subprocess.TimeoutExpired:
            pass

    def pause_attacker(self) -> None:
        """Stop the attacker's browsing; return once its request in flight has ended."""
        self.attacker_busy.set()
        with self.attacker_request:
            pass

    def __enter__(self) -> _Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20)


def _start(
    topo: Topology, role: str, argv: list[str], work: Path, log: Path
) -> subprocess.Popen[bytes]:
    # Every lab process runs in the lab's work directory: some tools write state into
    # their cwd (hydra leaves ``hydra.restore``), which must not land in the caller's.
    with log.open("ab") as out:
        return subprocess.Popen(topo.exec_argv(role, argv), stdout=out, stderr=out, cwd=work)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _attacks(
    plan: Plan, clients: _Clients, rng: random.Random, gap: float, progress: Progress
) -> list[Step]:
    steps: list[Step] = []
    for attack in plan.steps:
        argv = attack.argv(lab_hosts.SERVER, clients.work, rng)
        clients.pause_attacker()
        time.sleep(0.5)  # the last benign connection's teardown
        progress(f"{plan.name}: {attack.label} with {attack.tool}")
        start = time.time()
        try:
            subprocess.run(
                clients.topo.exec_argv("attacker", argv),
                capture_output=True,
                timeout=(attack.limit or 60.0) + 30.0,
                check=False,
                cwd=clients.work,  # hydra writes hydra.restore into its cwd
            )
        except subprocess.TimeoutExpired:
            pass
        end = time.time()
        steps.append(
            Step(
                attack.label, attack.tool, lab_hosts.HOSTS["attacker"], lab_hosts.SERVER, start, end
            )
        )
        # Browsing resumes only after the grace: a new flow of the attacker then is
        # plainly not the tool's (it resumed after 1 s, inside the 2 s grace, before).
        time.sleep(GRACE_SECONDS + 1.0)
        clients.attacker_busy.clear()
        time.sleep(gap)
    return steps


def run_lab(
    plan: str,
    out: Path,
    *,
    seed: int = 1,
    benign_seconds: float = 20.0,
    gap: float = 8.0,
    progress: Progress = lambda _: None,
) -> LabRun:
    """Run a plan (a built-in plan's name or a plan file, see :func:`resolve`); write
    ``<name>.pcap`` and ``<name>.schedule.json``."""
    the_plan = resolve(plan)
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, raw sockets)")
    lab_hosts.require_tools()
    out.mkdir(parents=True, exist_ok=True)
    # Absolute: tcpdump runs in the work directory, not the caller's.
    pcap = (out / f"{the_plan.name}.pcap").resolve()
    work = Path(tempfile.mkdtemp(prefix=f"tmlab-{the_plan.name}-"))
    rng = random.Random(seed)
    try:
        lab_hosts.prepare(work, rng)
        with network(lab_hosts.HOSTS) as topo:
            steps = _run_in(topo, the_plan, work, pcap, rng, seed, benign_seconds, gap, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    schedule = Schedule(run=the_plan.name, steps=tuple(steps))
    schedule_path = out / f"{the_plan.name}.schedule.json"
    schedule_path.write_text(json.dumps(schedule.to_dict(), indent=2) + "\n")
    return LabRun(pcap=pcap, schedule_path=schedule_path, schedule=schedule)


def _check_started(daemons: list[subprocess.Popen[bytes]], log: Path) -> None:
    if any(proc.poll() is not None for proc in daemons):
        tail = log.read_text(errors="replace")[-500:]
        raise LabError(f"a lab service exited at start: {tail}")


def _run_in(
    topo: Topology,
    plan: Plan,
    work: Path,
    pcap: Path,
    rng: random.Random,
    seed: int,
    benign_seconds: float,
    gap: float,
    progress: Progress,
) -> list[Step]:
    daemons = [
        _start(topo, "server", argv, work, work / "services.log")
        for argv in lab_hosts.services(work)
    ]
    capture = netns.capture(topo, pcap, work)
    try:
        time.sleep(2.0)  # daemons bind, tcpdump opens the bridge
        _check_started(daemons, work / "services.log")
        with _Clients(topo, work, seed) as clients:
            progress(f"{plan.name}: benign traffic for {benign_seconds:.0f}s")
            time.sleep(benign_seconds)
            steps = _attacks(plan, clients, rng, gap, progress)
        time.sleep(1.0)
    finally:
        _stop([capture, *daemons])
    return steps
