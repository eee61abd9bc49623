"""``threatmesh protect | protect-file | reveal | abe-revoke``: client-side CP-ABE.

These commands talk to a server (``services.abe.client_side``); encryption and
decryption happen here, on the user's machine, with the keys of the user's keyring.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.abe import client_side
from threatmesh.services.abe.client_side import Remote

_URL = typer.Option(..., "--url", envvar="THREATMESH_URL", help="Server URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_KEY", help="Your API key")
KEYRING = typer.Option(
    Path.home() / ".config" / "threatmesh" / "keyring.json",
    "--keyring",
    envvar="THREATMESH_KEYRING",
    help="Your keyring (X25519 key and attribute keys), mode 0600",
)
_POLICY = typer.Option(..., "--policy", help="e.g. '(sector:finance or org:CERT) and role:analyst'")


def _fail(exc: ThreatmeshError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


def protect(
    event_file: Path = typer.Argument(..., help="MISP JSON event ('-' for stdin)"),
    policy: str = _POLICY,
    only: list[str] = typer.Option([], "--only", help="Protect only these types (repeatable)"),
    blind_index: bool = typer.Option(False, help="Let the policy's recipients correlate"),
    url: str = _URL,
    key: str = _KEY,
    keyring: Path = KEYRING,
) -> None:
    """Encrypt an event's attributes under a policy, then upload it; print its id."""
    text = sys.stdin.read() if str(event_file) == "-" else event_file.read_text("utf-8")
    event = json.loads(text)
    event = event.get("Event", event)
    try:
        remote = Remote(url, key, keyring)
        stored = client_side.protect_event(
            remote, event, policy, only=only, blind_index=blind_index
        )
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(stored["id"])


def protect_file(
    event: str = typer.Argument(..., help="Event id or UUID"),
    path: Path = typer.Argument(..., help="File to attach (e.g. an ML model)"),
    policy: str = _POLICY,
    url: str = _URL,
    key: str = _KEY,
    keyring: Path = KEYRING,
) -> None:
    """Attach a file to an event, encrypted under a policy; print the attribute id."""
    content = path.read_bytes()
    try:
        remote = Remote(url, key, keyring)
        added = client_side.protect_file(remote, event, path.name, content, policy)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(added["id"])


def reveal(
    event: str = typer.Argument(..., help="Event id or UUID"),
    url: str = _URL,
    key: str = _KEY,
    keyring: Path = KEYRING,
) -> None:
    """Fetch an event and print it as MISP JSON with what you may read decrypted."""
    try:
        revealed, sealed = client_side.reveal_event(Remote(url, key, keyring), event)
    except ThreatmeshError as exc:
        _fail(exc)
    sys.stdout.write(json.dumps({"Event": revealed}, indent=2) + "\n")
    if sealed:
        typer.echo(
            f"{sealed} protected attribute(s) stay sealed: your key does not open them", err=True
        )


def abe_revoke(
    user: str = typer.Argument(..., help="User id"),
    url: str = _URL,
    key: str = _KEY,
) -> None:
    """Revoke a user's attribute keys and roll the authority epoch (site admin)."""
    try:
        done = client_side.revoke_user(url, key, user)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(f"user {done['revoked_user_id']} revoked; authority epoch is now {done['epoch']}")


def register(app: typer.Typer) -> None:
    """Add these commands to the ``threatmesh`` command."""
    app.command()(protect)
    app.command("protect-file")(protect_file)
    app.command()(reveal)
    app.command("abe-revoke")(abe_revoke)
