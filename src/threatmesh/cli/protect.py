"""``threatmesh protect | protect-file | reveal | abe-revoke``: client-side CP-ABE.

These commands talk to a server through :mod:`threatmesh.client`; encryption and
decryption happen here, on the user's machine, with the keys of the user's keyring.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from threatmesh.client.envelopes import attachment
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.model.errors import ThreatmeshError

_URL = typer.Option(..., "--url", envvar="THREATMESH_URL", help="Server URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_KEY", help="Your API key")
_KEYRING = typer.Option(
    Path.home() / ".config" / "threatmesh" / "keyring.json",
    "--keyring",
    envvar="THREATMESH_KEYRING",
    help="Your keyring (X25519 key and attribute keys), mode 0600",
)
_POLICY = typer.Option(..., "--policy", help="e.g. '(sector:finance or org:CERT) and role:analyst'")


def _client(url: str, key: str, keyring: Path) -> ProtectedClient:
    return ProtectedClient(ThreatmeshClient(url, key), Keyring(keyring))


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
    keyring: Path = _KEYRING,
) -> None:
    """Encrypt an event's attributes under a policy, then upload it; print its id."""
    text = sys.stdin.read() if str(event_file) == "-" else event_file.read_text("utf-8")
    event = json.loads(text)
    event = event.get("Event", event)
    try:
        client = _client(url, key, keyring)
        index = client.new_index_key(policy) if blind_index else None
        stored = client.protect_event(
            event, policy, select=lambda a: not only or a.get("type") in only, index=index
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
    keyring: Path = _KEYRING,
) -> None:
    """Attach a file to an event, encrypted under a policy; print the attribute id."""
    attr = attachment(path.name, path.read_bytes())
    try:
        added = _client(url, key, keyring).protect_attributes(event, [attr], policy)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(added[0]["id"])


def reveal(
    event: str = typer.Argument(..., help="Event id or UUID"),
    url: str = _URL,
    key: str = _KEY,
    keyring: Path = _KEYRING,
) -> None:
    """Fetch an event and print it as MISP JSON with what you may read decrypted."""
    try:
        revealed, sealed = _client(url, key, keyring).reveal_event(event)
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
        done = ThreatmeshClient(url, key).abe_revoke(user)
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(f"user {done['revoked_user_id']} revoked; authority epoch is now {done['epoch']}")


def register(app: typer.Typer) -> None:
    """Add these commands to the ``threatmesh`` command."""
    app.command()(protect)
    app.command("protect-file")(protect_file)
    app.command()(reveal)
    app.command("abe-revoke")(abe_revoke)
