"""``threatmesh lab``: generate labelled traffic with real tools in private namespaces."""

from __future__ import annotations

from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services import lab as lab_svc

app = typer.Typer(help="The traffic lab (root; namespaces on 10.99.0.0/24 only).",
                  no_args_is_help=True)  # fmt: skip


@app.command("run")
def run(
    plan: list[str] = typer.Option(["day1"], "--plan", help="Plan(s) to run, in order"),
    out: Path = typer.Option(Path("data/lab"), "--out", help="Output directory"),
    seed: int = typer.Option(1, "--seed", help="Seed of the benign and attack choices"),
    benign_seconds: float = typer.Option(30.0, "--benign-seconds", help="Benign warm-up"),
    gap: float = typer.Option(8.0, "--gap", help="Benign seconds between attacks"),
) -> None:
    """Run lab plans; each writes a pcap, its schedule and labelled flows."""
    try:
        for i, name in enumerate(plan):
            lab_svc.generate(plan=name, out=out, seed=seed + i, benign_seconds=benign_seconds,
                             gap=gap, progress=lambda m: typer.echo(m, err=True))  # fmt: skip
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


@app.command("plans")
def plans() -> None:
    """List the lab plans."""
    for name in lab_svc.plans():
        typer.echo(name)
