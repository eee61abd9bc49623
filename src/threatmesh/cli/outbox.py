"""``threatmesh outbox status | prune``: the notifications table, for operators."""

from __future__ import annotations

import typer

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.services.stream import outbox

app = typer.Typer(help="The event stream's outbox (notifications table).", no_args_is_help=True)


@app.command("status")
def status() -> None:
    """Print the newest notification id and how many wait for the bus."""
    now = outbox.status(build_platform(Settings()))
    typer.echo(f"newest {now.newest}, undelivered {now.undelivered}")


@app.command("prune")
def prune(
    days: float = typer.Option(30.0, "--older-than-days", min=0, help="Age of delivery"),
) -> None:
    """Delete notifications delivered more than DAYS ago (SSE clients can no longer
    resume from before them); undelivered ones are always kept."""
    gone = outbox.prune(build_platform(Settings()), older_than_days=days)
    typer.echo(f"deleted {gone} delivered notifications")
