"""``threatmesh lab``: generate labelled traffic with real tools in private namespaces."""

from __future__ import annotations

from pathlib import Path

import typer

from threatmesh.cli.extras import require_ml
from threatmesh.model.errors import ThreatmeshError

app = typer.Typer(
    help="The traffic lab (root; namespaces on 10.99.0.0/24 only).", no_args_is_help=True
)


@app.command("run")
def run(
    plan: list[str] = typer.Option(["day1"], "--plan", help="Plan(s) to run, in order"),
    out: Path = typer.Option(Path("data/lab"), "--out", help="Output directory"),
    seed: int = typer.Option(1, "--seed", help="Seed of the benign and attack choices"),
    benign_seconds: float = typer.Option(30.0, "--benign-seconds", help="Benign warm-up"),
    gap: float = typer.Option(8.0, "--gap", help="Benign seconds between attacks"),
) -> None:
    """Run lab plans; each writes a pcap, its schedule and labelled flows."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    try:
        for i, name in enumerate(plan):
            lab_svc.generate(
                plan=name,
                out=out,
                seed=seed + i,
                benign_seconds=benign_seconds,
                gap=gap,
                progress=lambda m: typer.echo(m, err=True),
            )
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


@app.command("plans")
def plans() -> None:
    """List the lab plans."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    for name in lab_svc.plans():
        typer.echo(name)


@app.command("slice")
def slice_cmd(
    pcap: Path = typer.Argument(..., help="A lab capture"),
    out: Path = typer.Argument(..., help="Where the slice goes"),
    start: float = typer.Option(..., "--start", help="Epoch seconds"),
    seconds: float = typer.Option(20.0, "--seconds"),
) -> None:
    """Cut a time slice of a capture (how the repo's small sample was made)."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    count = lab_svc.slice_capture(pcap, out, start=start, seconds=seconds)
    typer.echo(f"{out}: {count} packets", err=True)


@app.command("sample")
def sample_cmd(
    flows_csv: Path = typer.Argument(..., help="A lab's labelled flows"),
    out: Path = typer.Argument(..., help="Where the sample goes"),
    per_class: int = typer.Option(250, "--per-class"),
    benign: int = typer.Option(600, "--benign"),
) -> None:
    """A small labelled sample of a lab's flows (how the repo's test data was made)."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    count = lab_svc.sample(flows_csv, out, per_class=per_class, benign=benign)
    typer.echo(f"{out}: {count} flows", err=True)
