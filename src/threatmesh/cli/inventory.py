"""``threatmesh inventory import | list``: the organisation's asset inventory through the
platform's API."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from threatmesh.honeypots.inventory import parse_document
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.adaptive import remote

app = typer.Typer(help="Asset inventory: hosts, their software (CPE 2.3), exposure.",
                  no_args_is_help=True)  # fmt: skip
_URL = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key")


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="Inventory file, YAML or JSON: {hosts: [...]}"),
    url: str = _URL,
    key: str = _KEY,
    publish: bool = typer.Option(
        False, "--publish", help="Also write each host's MISP inventory event (risk, decoys)"
    ),
) -> None:
    """Add or replace the file's hosts in the inventory (all or nothing).

    Exit status 0, 2 on an invalid file or a refused import."""
    try:
        hosts = parse_document(path.read_text(encoding="utf-8"))
        answer = remote.import_file(url, key, hosts, publish=publish)
    except (OSError, ThreatmeshError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{answer['added']} added, {answer['updated']} updated")


@app.command("list")
def list_hosts(
    url: str = _URL,
    key: str = _KEY,
    as_json: bool = typer.Option(False, "--json", help="Print the hosts as JSON"),
) -> None:
    """The organisation's hosts, their exposure and software."""
    try:
        hosts = remote.list_hosts(url, key)
    except ThreatmeshError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(hosts, indent=2))
        return
    for host in hosts:
        typer.echo(f"{host['name']:<24} {host['exposure']:<9} {len(host['software'])} products")
        for cpe in host["software"]:
            typer.echo(f"  {cpe}")
