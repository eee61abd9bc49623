"""``threatmesh enrich run | modules``: enrichment modules over the platform's events."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.enrich.run import EnrichJob, EnrichReport, module_names, run_enrichment

app = typer.Typer(help="Enrichment modules (reverse DNS, ASN, warninglists, honeypot).",
                  no_args_is_help=True)  # fmt: skip


def _parse(specs: list[str]) -> dict[str, dict[str, str]]:
    """``name`` or ``name:key=value,key=value`` -> {name: {key: value}}."""
    modules: dict[str, dict[str, str]] = {}
    for spec in specs:
        name, _, rest = spec.partition(":")
        options = {}
        for item in filter(None, rest.split(",")):
            key, sep, value = item.partition("=")
            if not sep:
                raise typer.BadParameter(f"{spec!r}: options are key=value", param_hint="-m")
            options[key.strip()] = value.strip()
        if name not in module_names():
            known = ", ".join(module_names())
            raise typer.BadParameter(f"unknown module {name!r} (known: {known})", param_hint="-m")
        modules[name] = options
    return modules


def _show(done: EnrichReport) -> None:
    typer.echo(f"enriched {done.events} event(s): {done.attributes} attribute(s) added, "
               f"{done.tags} tag(s) attached")  # fmt: skip


@app.command("modules")
def modules() -> None:
    """List the modules and what each needs."""
    for name in module_names():
        typer.echo(name)


@app.command("run")
def run(
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    module: list[str] = typer.Option(
        ..., "-m", "--module", help="name[:key=value,...], e.g. asn:file=ip2asn.tsv.gz"
    ),
    event: str | None = typer.Option(None, "--event", help="Only this event (id or UUID)"),
    since: int | None = typer.Option(None, "--since", help="Events changed since (epoch)"),
    follow: bool = typer.Option(False, "--follow", help="Keep enriching new events"),
    interval: float = typer.Option(10.0, "--interval", help="Seconds between rounds"),
    state: Path | None = typer.Option(None, "--state", help="Keep the time reached here"),
    stream: bool = typer.Option(
        False,
        "--stream",
        help="Keep enriching the events threatmesh's event stream "
        "announces (after those changed --since, if given), instead of polling",
    ),
) -> None:
    """Run the modules over one event, or over the events changed since a time (all by
    default), once or following new ones. Added attributes say which module made them
    from what (comment and tag), tags go on the attribute they describe."""
    job = EnrichJob(url, key, _parse(module), event, since, follow, interval, state)
    if stream:
        _stream(job)
        return
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        total = run_enrichment(job, should_stop=lambda: bool(stopping))
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    _show(total)


def _stream(job: EnrichJob) -> None:
    """``run --stream``: one line per event enriched, the totals once stopped."""
    from threatmesh.services.enrich.stream import stream_enrichment

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def opened() -> None:
        typer.echo(f"listening to {job.url}/stream/events", err=True)

    def enriched(uuid: str, done: EnrichReport) -> None:
        typer.echo((f"{uuid}: " if uuid else "") + f"{done.attributes} attribute(s) added, "
                   f"{done.tags} tag(s) attached")  # fmt: skip

    try:
        total = stream_enrichment(job, stop=stop, progress=enriched, on_open=opened)
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    _show(total)
