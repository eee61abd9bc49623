"""``threatmesh analyst queue | label | export``: analysts label uncertain detections."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.detect.analyst import export_labelled, label, open_client, queue

app = typer.Typer(help="Analysts in the loop: uncertain detections, labels, training data.",
                  no_args_is_help=True)  # fmt: skip
_URL = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key")


def _fail(exc: ThreatmeshError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


@app.command("queue")
def queue_cmd(
    url: str = _URL,
    key: str = _KEY,
    low: float = typer.Option(0.5, "--low", help="Uncertainty band: lowest confidence"),
    high: float = typer.Option(0.95, "--high", help="Uncertainty band: highest (excluded)"),
    threshold: float = typer.Option(0.75, "--threshold", help="The detector's threshold"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """Unverified detections in doubt (detectors disagree, or a confidence in the band),
    most doubtful first."""
    try:
        with open_client(url, key) as client:
            items = queue(client, band=(low, high), threshold=threshold)
    except ThreatmeshError as exc:
        _fail(exc)
    for item in items:
        if as_json:
            typer.echo(json.dumps({"event": item.event, "object": item.object,
                                   "attacker": item.attacker, "target": item.target,
                                   "port": item.port, "confidence": item.confidence,
                                   "disagreement": item.disagreement}))  # fmt: skip
        else:
            why = "detectors disagree" if item.disagreement else f"confidence {item.confidence:.3f}"
            typer.echo(
                f"{item.event} {item.object} {item.attacker} -> {item.target}:{item.port} ({why})"
            )


@app.command("label")
def label_cmd(
    event: str = typer.Argument(..., help="The detection's event (UUID or id)"),
    obj: str = typer.Argument(..., help="The detection object's UUID"),
    verdict: str = typer.Argument(..., help="confirm (an attack) or reject (benign)"),
    url: str = _URL,
    key: str = _KEY,
    analyst: str = typer.Option("analyst", "--analyst", help="Who labels (sighting source)"),
) -> None:
    """Label one detection: sets verified, adds the analyst's entry to attack-type, and a
    true-positive (confirm) or false-positive (reject) sighting on its ip-src."""
    if verdict not in {"confirm", "reject"}:
        typer.echo("error: the verdict is confirm or reject", err=True)
        raise typer.Exit(2)
    try:
        with open_client(url, key) as client:
            label(client, event, obj, attack=verdict == "confirm", analyst=analyst)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(f"{obj}: {verdict}ed")


@app.command("export")
def export_cmd(
    out: Path = typer.Option(..., "--out", help="Folder for the training chunks"),
    url: str = _URL,
    key: str = _KEY,
) -> None:
    """Write every labelled detection's carved traffic with a lab schedule beside it, as
    training chunks for `threatmesh detect train`."""
    try:
        with open_client(url, key) as client:
            written = export_labelled(client, out)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(f"{written} labelled capture(s) written to {out}")
