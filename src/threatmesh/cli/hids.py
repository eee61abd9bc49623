"""``threatmesh hids learn | watch``: host anomaly detection on this machine."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.hids import monitor, report
from threatmesh.services.hids.monitor import AuthSource

app = typer.Typer(help="Host anomaly detection (sshd logins, processes, ports).",
                  no_args_is_help=True)  # fmt: skip

_AUTH_LOG = typer.Option(None, "--auth-log", help="sshd's syslog file, e.g. /var/log/auth.log")
_JOURNAL = typer.Option(None, "--journal-file", help="journalctl -o json -f -u ssh output file")


def _source(auth_log: Path | None, journal: Path | None) -> AuthSource | None:
    if auth_log is not None and journal is not None:
        typer.echo("error: --auth-log or --journal-file, not both", err=True)
        raise typer.Exit(2)
    if auth_log is not None:
        return AuthSource(auth_log, journal=False)
    return None if journal is None else AuthSource(journal, journal=True)


@app.command("learn")
def learn(
    out: Path = typer.Option(..., "--out", help="Where to write the baseline (JSON)"),
    auth_log: Path | None = _AUTH_LOG,
    journal: Path | None = _JOURNAL,
    snapshots: int = typer.Option(1, "--snapshots", min=1, help="Snapshots to learn from"),
    every: float = typer.Option(10.0, "--every", help="Seconds between snapshots"),
) -> None:
    """Learn what this host normally does: its listening ports, programs, and who logs in
    from where (the whole log given is read)."""
    watch = monitor.HostMonitor.watching(_source(auth_log, journal), history=True)
    baseline = watch.learn(snapshots, every=every)
    out.write_text(json.dumps(baseline.to_dict(), indent=2) + "\n")
    typer.echo(f"baseline: {len(baseline.ports)} ports, {len(baseline.programs)} programs, "
               f"{len(baseline.login_sources)} users; written to {out}")  # fmt: skip


@app.command("watch")
def watch(
    host: str = typer.Option(..., "--host", help="This host's name, as its inventory names it"),
    baseline_file: Path = typer.Option(..., "--baseline", help="From `threatmesh hids learn`"),
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    auth_log: Path | None = _AUTH_LOG,
    journal: Path | None = _JOURNAL,
    interval: float = typer.Option(10.0, "--interval", help="Seconds between checks"),
    once: bool = typer.Option(False, "--once", help="Check once, report, exit"),
) -> None:
    """Check this host against its baseline every INTERVAL seconds and report what is new
    to the platform (an event per day, sightings of known attacker addresses)."""
    try:
        baseline = monitor.load_baseline(baseline_file)
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"error: {baseline_file}: {exc}", err=True)
        raise typer.Exit(2) from None
    # The whole log: what the baseline learned is not flagged again, and failures count
    # only within the brute-force window.
    watcher = monitor.HostMonitor.watching(_source(auth_log, journal), history=True)
    while True:
        found = watcher.check(baseline)
        for a in found:
            typer.echo(f"{a.kind.value} ({a.severity:.1f}): {a.explanation}")
        try:
            done = report.report(url, key, host, found)
        except ThreatmeshError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if done is not None:
            typer.echo(f"reported {done.attributes} anomalies to event {done.event_uuid}, "
                       f"{done.sighted} sightings")  # fmt: skip
        if once:
            return
        time.sleep(interval)
