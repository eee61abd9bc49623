"""``threatmesh serve | db upgrade | admin ... | demo | protect | reveal ...``."""

from __future__ import annotations

import sys

import typer

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.cli import agent as agent_cli
from threatmesh.cli import detect as detect_cli
from threatmesh.cli import hids as hids_cli
from threatmesh.cli import inventory as inventory_cli
from threatmesh.cli import lab as lab_cli
from threatmesh.cli import library as library_cli
from threatmesh.cli import outbox as outbox_cli
from threatmesh.cli import protect as protect_cli
from threatmesh.cli import provenance as provenance_cli
from threatmesh.cli import risk as risk_cli
from threatmesh.cli.anonymize import anonymize as anonymize_command
from threatmesh.cli.cooperation import analyst as analyst_cli
from threatmesh.cli.cooperation import enrich as enrich_cli
from threatmesh.cli.cooperation import honeynet as honeynet_cli
from threatmesh.cli.cooperation import models as models_cli
from threatmesh.cli.sync import sync as sync_command
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.admin import organisations, setup, users

app = typer.Typer(
    help="threatmesh: a MISP-compatible threat-intelligence platform.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Organisations, users and keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.command("anonymize")(anonymize_command)
protect_cli.register(app)
app.add_typer(lab_cli.app, name="lab")
app.add_typer(detect_cli.app, name="detect")
app.add_typer(outbox_cli.app, name="outbox")
app.add_typer(provenance_cli.app, name="provenance")
app.add_typer(risk_cli.app, name="risk")
app.add_typer(hids_cli.app, name="hids")
app.add_typer(honeynet_cli.app, name="honeynet")
app.add_typer(enrich_cli.app, name="enrich")
app.add_typer(analyst_cli.app, name="analyst")
app.add_typer(models_cli.app, name="models")
app.add_typer(inventory_cli.app, name="inventory")
app.add_typer(agent_cli.app, name="agent")
app.add_typer(library_cli.app, name="library")


def _fail(exc: ThreatmeshError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of THREATMESH_DATABASE_URL (default: SQLite in the data dir)."""
    schema = setup.upgrade_schema(build_platform(Settings()))
    typer.echo(f"schema at {schema.revision} on {schema.url}", err=True)


@admin_app.command("init")
def admin_init(
    org: str = typer.Option(..., "--org", help="Name of the first organisation"),
    email: str = typer.Option(..., "--email", help="Email of its site admin"),
) -> None:
    """Create the first organisation and site admin; print only the new API key."""
    try:
        key = setup.bootstrap(build_platform(Settings()), org_name=org, email=email)
    except ThreatmeshError as exc:
        _fail(exc)
    sys.stdout.write(key + "\n")


@admin_app.command("add-org")
def admin_add_org(name: str = typer.Argument(..., help="Organisation name")) -> None:
    """Create an organisation; print its id."""
    try:
        org = organisations.add_org(build_platform(Settings()), None, {"name": name})
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(org["id"])


@admin_app.command("add-user")
def admin_add_user(
    email: str = typer.Argument(...),
    org: str = typer.Option(..., "--org", help="Org id or name"),
    role: int = typer.Option(
        3, "--role", help="Role id (1 admin, 2 org admin, 3 user, 4 publisher, 5 sync, 6 read only)"
    ),
) -> None:
    """Create a user; print only its API key."""
    platform = build_platform(Settings())
    try:
        org_id = organisations.find_org_id(platform, org)
        if org_id is None:
            typer.echo(f"error: no organisation {org!r}", err=True)
            raise typer.Exit(2)
        user = users.add_user(platform, None, {"email": email, "org_id": org_id, "role_id": role})
    except ThreatmeshError as exc:
        _fail(exc)
    sys.stdout.write(user["User"]["authkey"] + "\n")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8080, help="Port to listen on"),
    workers: int = typer.Option(1, help="Worker processes"),
    migrate: bool = typer.Option(True, help="Upgrade the schema before serving"),
    keep_alive: int = typer.Option(75, help="Seconds an idle client connection stays open"),
) -> None:
    """Serve the MISP-compatible REST API with uvicorn.

    Idle connections stay open 75 s by default (nginx's default), not uvicorn's 5 s:
    a client that reuses its connection after pausing about 5 s (PyMISP's live suite
    sleeps exactly 5 s between requests) raced the server closing it and got a reset
    connection instead of an answer."""
    import uvicorn

    if migrate:
        db_upgrade()
    uvicorn.run(
        "threatmesh.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        timeout_keep_alive=keep_alive,
    )


@app.command()
def demo(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8080)) -> None:
    """Start a demo instance on SQLite with a demo organisation; print URL and key."""
    from threatmesh.cli.demo import run_demo

    run_demo(host=host, port=port)


app.command("sync")(sync_command)


def main() -> None:
    """Entry point of the ``threatmesh`` script."""
    app()
