"""``threatmesh provenance verify``: check the provenance log of the configured database."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.provenance import log as provenance

app = typer.Typer(help="The provenance log.", no_args_is_help=True)


@app.command("verify")
def verify(
    public_key: list[Path] = typer.Option(
        [], "--public-key", help="PEM public key to trust instead of the database's (repeatable)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON"),
) -> None:
    """Verify every record (hash, Ed25519 signature, chain links, end of log).

    Exit status 0 when the log is intact, 1 when something was tampered with (each
    problem is printed with its position), 2 on bad input."""
    try:
        pinned = [p.read_text() for p in public_key]
        report = provenance.verify_log(build_platform(Settings()), pinned=pinned or None)
    except (OSError, ThreatmeshError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        head = report["head"]
        typer.echo(f"{report['checked']} records checked; head at seq {head['seq']}")
        for p in report["problems"]:
            typer.echo(f"seq {p['seq']} ({p['kind']}): {p['problem']}: {p['detail']}")
        typer.echo("provenance log intact" if report["ok"] else "provenance log TAMPERED")
    raise typer.Exit(0 if report["ok"] else 1)
