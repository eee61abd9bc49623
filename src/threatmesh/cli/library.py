"""``threatmesh library update``: load MISP's knowledge library into the database."""

from __future__ import annotations

import typer

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.services.library.loading import LOADERS, load_all

app = typer.Typer(
    help="MISP's knowledge library (taxonomies, warninglists, ...).", no_args_is_help=True
)


@app.command("update")
def update(
    kinds: list[str] = typer.Argument(
        None, help=f"Kinds to load (default: all): {', '.join(LOADERS)}"
    ),
) -> None:
    """Load the installed data packages (new records and higher versions), as each
    kind's ``update`` endpoint does; one transaction per kind."""
    unknown = sorted(set(kinds or ()) - set(LOADERS))
    if unknown:
        raise typer.BadParameter(f"unknown kind(s) {unknown}; known: {', '.join(LOADERS)}")
    for kind, message in load_all(build_platform(Settings()), tuple(kinds or ())):
        typer.echo(f"{kind}: {message}")
