"""``threatmesh risk show HOST``: a host's probability of compromise, explained."""

from __future__ import annotations

import json
import time

import typer

from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.risk import remote

app = typer.Typer(help="Probability of compromise of monitored hosts.", no_args_is_help=True)


@app.command("show")
def show(
    host: str = typer.Argument(..., help="The host, as its inventory names it"),
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON"),
) -> None:
    """Compute the probability that HOST is compromised from what the platform (any
    MISP-compatible server) holds, and each factor's share.

    Exit status 0, 1 when the host is unknown (or not visible), 2 on any other error."""
    try:
        answer = remote.host_risk(url, key, host, clock=time.time, knowledge=CATALOGUE)["Risk"]
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1 if exc.status == 404 else 2) from None
    if as_json:
        typer.echo(json.dumps(answer, indent=2))
        return
    typer.echo(f"{answer['host']}: probability of compromise {answer['probability']:.1%}")
    for f in answer["factors"]:
        term, ratio = f"{f['log_odds']:+8.3f}", f"x{f['odds_ratio']:.2f}"
        typer.echo(f"  {f['factor']:<16} {term}  {ratio:<9} {f['detail']}")
