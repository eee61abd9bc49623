"""``threatmesh honeynet run | ingest``: a Cowrie honeynet feeding the platform."""

from __future__ import annotations

import signal
from pathlib import Path

import typer

from threatmesh.services.honeynet.ingest import IngestReport
from threatmesh.services.honeynet.run import (
    CowrieSetup,
    LogIngest,
    ingest_log,
    run_honeynet,
    write_schedule,
)

app = typer.Typer(help="Cowrie SSH/Telnet honeypots and their sessions as MISP events.",
                  no_args_is_help=True)  # fmt: skip

_URL = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key")


def _show(done: IngestReport) -> None:
    typer.echo(f"sessions: {done.created} reported, {done.known} already there, "
               f"{done.quiet} without a login attempt; {done.sighted} sightings")  # fmt: skip


@app.command("ingest")
def ingest(
    log: Path = typer.Argument(..., help="Cowrie's JSON log (var/log/cowrie/cowrie.json)"),
    url: str = _URL,
    key: str = _KEY,
    downloads: Path | None = typer.Option(
        None, "--downloads", help="Cowrie's download folder, when the log's paths are not here"
    ),
    state: Path | None = typer.Option(
        None, "--state", help="Keep the position here, to go on after a restart"
    ),
    follow: bool = typer.Option(False, "--follow", help="Keep reading as the log grows"),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between reads (--follow)"),
) -> None:
    """Report each session of a Cowrie log as the event Cowrie's MISP output would write
    (once: sessions already in the platform are skipped), with sightings of what the
    platform already knows of the attacker. Also for logs of sensors running elsewhere."""
    if not log.exists() and not follow:
        typer.echo(f"error: {log}: no such file", err=True)
        raise typer.Exit(2)
    job = LogIngest(url, key, log, downloads, state, follow, interval)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        total = ingest_log(job, should_stop=lambda: bool(stopping), progress=_show)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    typer.echo("total: ", nl=False)
    _show(total)


@app.command("schedule")
def schedule(
    log: Path = typer.Argument(..., help="Cowrie's JSON log"),
    out: Path = typer.Option(..., "--out", help="e.g. capture.schedule.json, beside capture.pcap"),
) -> None:
    """Write the honeypot's sessions as a lab schedule: the flows of a capture of the
    sensor's traffic that belong to attacking sessions become verified positives for
    `threatmesh detect train`."""
    if not log.exists():
        typer.echo(f"error: {log}: no such file", err=True)
        raise typer.Exit(2)
    written = write_schedule(log, out)
    typer.echo(f"{len(written.steps)} attacking sessions written to {out}")


@app.command("run")
def run(
    home: Path = typer.Option(..., "--home", help="Cowrie's folder: config, keys, logs, files"),
    cowrie_venv: Path = typer.Option(
        Path(".cache/cowrie-venv"), "--cowrie-venv", help="A venv with cowrie installed"
    ),
    port: int = typer.Option(2222, "--port", help="SSH port"),
    telnet_port: int | None = typer.Option(None, "--telnet-port", help="Telnet port (off)"),
    bind: str = typer.Option("127.0.0.1", "--bind", help="Address to listen on"),
    sensor: str = typer.Option("cowrie", "--sensor", help="This sensor's name"),
    user: str = typer.Option("nobody", "--user", help="Unprivileged user Cowrie runs as (root)"),
    url: str | None = typer.Option(None, "--url", envvar="THREATMESH_MISP_URL"),
    key: str | None = typer.Option(None, "--key", envvar="THREATMESH_MISP_KEY"),
) -> None:
    """Run Cowrie (as an unprivileged user) until interrupted; with --url and --key, its
    sessions are reported to the platform as they close."""
    setup = CowrieSetup(home.resolve(), port, bind, sensor, telnet_port=telnet_port)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    typer.echo(f"cowrie: ssh on {bind}:{port}, log {setup.log}")
    report_to = (url, key) if url and key else None
    try:
        run_honeynet(setup, cowrie_venv.resolve(), user=user, report_to=report_to,
                     should_stop=lambda: bool(stopping), progress=_show)  # fmt: skip
    except KeyboardInterrupt:
        pass
    except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
