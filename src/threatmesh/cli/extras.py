"""Optional dependencies of commands: a clear error naming the extra to install."""

from __future__ import annotations

import importlib.util

import typer

ML = ("torch", "numpy", "nfstream", "dpkt", "onnxruntime", "sklearn")


def require_ml() -> None:
    """Exit with an error naming ``threatmesh[ml]`` when one of its packages is missing."""
    missing = [name for name in ML if importlib.util.find_spec(name) is None]
    if missing:
        typer.echo(
            f"error: this command needs {', '.join(missing)}: pip install 'threatmesh[ml]'",
            err=True,
        )
        raise typer.Exit(2)
