"""``threatmesh agent run | status``: the host agent (inventory, adaptive decoys, their
feedback) against any MISP-compatible platform with the event stream."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.adaptive.agent import Agent, AgentConfig, read_status
from threatmesh.services.adaptive.policies import (
    DEFAULT_POLICY,
    backend_options,
    load_hosts,
    load_policy,
)

app = typer.Typer(help="The host agent: inventory, adaptive decoys, feedback.",
                  no_args_is_help=True)  # fmt: skip
_STATE = typer.Option(Path("threatmesh-agent.json"), "--state-file",
                      help="Where the agent writes its status")  # fmt: skip


@app.command("run")
def run(
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    inventory: Path = typer.Option(..., "--inventory", help="This host's inventory (YAML/JSON)"),
    policy: Path | None = typer.Option(None, "--policy", help="Placement policy (YAML/JSON)"),
    backend: str = typer.Option(
        "local", "--backend", help="Deployment backend: local, docker, ssh"
    ),
    option: list[str] = typer.Option(
        [],
        "--backend-option",
        help="KEY=VALUE for the backend, e.g. url=, image= (docker); "
        "host=, username=, key_filename=, known_hosts= (ssh)",
    ),
    bind: str = typer.Option("0.0.0.0", "--bind", help="Address the decoys listen on"),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between reconcile passes"),
    state_file: Path = _STATE,
) -> None:
    """Report the inventory, then deploy decoys as intelligence arrives, until SIGTERM
    or Ctrl-C. Exit status 0, 2 on an invalid inventory or policy."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        config = AgentConfig(
            url=url, key=key, hosts=load_hosts(inventory),
            policy=load_policy(policy) if policy else DEFAULT_POLICY, backend=backend,
            bind=bind, interval=interval, state_file=state_file,
            backend_options=backend_options(option),
        )  # fmt: skip
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            Agent(config).run(stop)
        except KeyboardInterrupt:
            stop.set()
    except (OSError, KeyError, ThreatmeshError) as exc:  # KeyError: an unknown backend
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None


@app.command("status")
def status(
    state_file: Path = _STATE,
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON"),
    held: bool = typer.Option(
        False,
        "--held",
        help="The decoys held back (budget, cooldown) and why, instead of those running",
    ),
) -> None:
    """The decoys the agent runs: CVE, port, time left, hits; with ``--held``, those the
    policy refused or deferred, and why. Exit status 1 when the agent has written no
    status."""
    try:
        answer = read_status(state_file, time.time())
    except (OSError, ValueError) as exc:
        typer.echo(f"error: no agent status in {state_file}: {exc}", err=True)
        raise typer.Exit(1) from None
    if held:
        rows = answer.get("held", [])
        if as_json:
            typer.echo(json.dumps(rows, indent=2))
        for h in [] if as_json else rows:
            typer.echo(f"{h['cve']:<16} {h['host']:<20} {h['action']:<8} {h['reason']}")
        return
    if as_json:
        typer.echo(json.dumps(answer["decoys"], indent=2))
        return
    for d in answer["decoys"]:
        typer.echo(f"{d['cve']:<16} {d['host']:<20} port {d['port']:<6} "
                   f"ttl {d['ttl_left']:>6}s  hits {d['hits']}")  # fmt: skip
