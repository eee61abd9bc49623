"""Reading a Cowrie log into the platform (once, or following it), and running a Cowrie
sensor whose sessions are reported as they close."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threatmesh.detection.schedule import Schedule
from threatmesh.sensors.honeypots.cowrie_log import CowrieLog, read_samples
from threatmesh.sensors.honeypots.cowrie_run import CowrieSetup, start_cowrie, wait_listening
from threatmesh.services.honeynet.ingest import IngestReport, report_sessions
from threatmesh.services.honeynet.training import sessions_schedule

__all__ = ["CowrieSetup", "LogIngest", "ingest_log", "run_honeynet", "write_schedule"]


@dataclass(frozen=True)
class LogIngest:
    """Which log to read, into which platform, and how."""

    url: str
    key: str
    log: Path
    downloads: Path | None = None
    state: Path | None = None
    follow: bool = False
    interval: float = 2.0


def ingest_log(
    job: LogIngest,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[IngestReport], None] = lambda _: None,
) -> IngestReport:
    """Report the sessions of ``job.log``. Once (``follow`` off), sessions that never
    closed are reported too, as the plugin does when Cowrie stops; following, they wait
    for their end, kept in ``state`` with the position across restarts."""
    reader = CowrieLog.resume(job.log, job.state) if job.state else CowrieLog(job.log)
    total = IngestReport()
    while True:
        sessions = reader.read()
        if not job.follow:
            sessions += reader.pending
        if sessions:
            done = report_sessions(
                job.url, job.key, sessions, read_samples(sessions, job.downloads)
            )
            total.add(done)
            progress(done)
        if job.state is not None:
            reader.save(job.state)
        if not job.follow or should_stop():
            return total
        time.sleep(job.interval)


def run_honeynet(
    setup: CowrieSetup,
    venv: Path,
    *,
    user: str,
    report_to: tuple[str, str] | None,
    should_stop: Callable[[], bool],
    progress: Callable[[IngestReport], None] = lambda _: None,
) -> IngestReport:
    """Run Cowrie until ``should_stop``; with ``report_to`` (URL, key), report its
    sessions as they close (position kept in ``<home>/ingest.state``)."""
    process = start_cowrie(setup, venv, user=user)
    try:
        wait_listening(setup.bind, setup.ssh_port, process)
        if report_to is None:
            while not should_stop() and process.poll() is None:
                time.sleep(0.5)
            return IngestReport()
        job = LogIngest(
            report_to[0], report_to[1], setup.log, setup.downloads,
            setup.home / "ingest.state", follow=True,
        )  # fmt: skip
        stop = lambda: should_stop() or process.poll() is not None  # noqa: E731
        return ingest_log(job, should_stop=stop, progress=progress)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except Exception:
            process.kill()
            raise


def write_schedule(log: Path, out: Path) -> Schedule:
    """Read the whole of ``log`` (sessions still open included) and write its attacking
    sessions to ``out`` as a lab schedule (see :mod:`.training`)."""
    reader = CowrieLog(log)
    sessions = reader.read() + reader.pending
    schedule = sessions_schedule(out.name.split(".")[0], sessions)
    out.write_text(json.dumps(schedule.to_dict(), indent=2) + "\n", encoding="utf-8")
    return schedule
