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
    plan: list[str] = typer.Option(
        ["day1"], "--plan", help="Plan(s) to run, in order: a built-in name or a .toml plan file"
    ),
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


@app.command("cowrie")
def cowrie(
    out: Path = typer.Option(Path("data/cowrie"), "--out", help="Output directory"),
    cowrie_venv: Path = typer.Option(
        Path(".cache/cowrie-venv"), "--cowrie-venv", help="A venv with cowrie installed"
    ),
    rounds: int = typer.Option(2, "--rounds", help="Attack rounds: hydra, then logins"),
    limit: float = typer.Option(40.0, "--limit", help="Seconds of hydra per round"),
) -> None:
    """Record the lab's SSH attacks at a real Cowrie where the lab's sshd would be:
    writes cowrie-ssh.pcap and Cowrie's log cowrie.json (label them with `honeynet
    schedule` and `lab relabel`; `make cowrie-sample` does it all)."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    try:
        done = lab_svc.record_honeypot(
            out=out, cowrie_venv=cowrie_venv, rounds=rounds, limit=limit,
            progress=lambda m: typer.echo(m, err=True),
        )  # fmt: skip
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{done.pcap}, {done.log}: {len(done.rounds)} rounds", err=True)


@app.command("plans")
def plans() -> None:
    """List the built-in lab plans: name, description, attack steps."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    for p in lab_svc.plans():
        steps = ", ".join(f"{s.label} ({s.tool})" for s in p.steps)
        typer.echo(f"{p.name}\t{p.description}\t{steps}")


@app.command("check")
def check(
    plan: str = typer.Argument(..., help="A built-in plan's name or a .toml plan file"),
) -> None:
    """Read and validate a plan; print its steps' command lines (nothing runs)."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    try:
        lines = lab_svc.check_plan(plan)
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for line in lines:
        typer.echo(line)


@app.command("relabel")
def relabel(
    pcap: Path = typer.Argument(..., help="A lab capture with its .schedule.json beside it"),
    out: Path = typer.Argument(..., help="The labelled flow CSV to write"),
) -> None:
    """Label a lab capture again from its schedule with the current rule."""
    require_ml()
    from threatmesh.services.detect import lab as lab_svc

    try:
        count = lab_svc.relabel(pcap, out)
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{out}: {count} flows", err=True)


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
