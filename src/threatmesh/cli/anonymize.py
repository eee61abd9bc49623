"""``threatmesh anonymize``: a MISP JSON file in, the anonymized file out."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import track

from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.anonymizer.apply import anonymize_offline, new_secret


def _events(doc: Any) -> tuple[list[dict[str, Any]], str]:
    """The events of a MISP JSON document and its shape (to write the output alike)."""
    if isinstance(doc, dict) and isinstance(doc.get("Event"), dict):
        return [doc["Event"]], "one"
    if isinstance(doc, dict) and isinstance(doc.get("response"), list):
        return [e.get("Event", e) for e in doc["response"]], "response"
    if isinstance(doc, list):
        return [e.get("Event", e) for e in doc], "list"
    if isinstance(doc, dict) and "info" in doc:
        return [doc], "bare"
    raise typer.BadParameter(
        "the input is not a MISP event, a list of events or a restSearch answer"
    )


def _shaped(events: list[dict[str, Any]], shape: str) -> Any:
    if shape == "one":
        return {"Event": events[0]}
    if shape == "bare":
        return events[0]
    wrapped = [{"Event": e} for e in events]
    return {"response": wrapped} if shape == "response" else wrapped


def _secret(key_file: Path | None) -> bytes:
    """The policy secret: read from ``key_file`` (hex), created there if missing."""
    if key_file is None:
        typer.echo("note: no --key-file, pseudonyms are random for this run only", err=True)
        return new_secret()
    if key_file.exists():
        return bytes.fromhex(key_file.read_text().strip())
    secret = new_secret()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret.hex() + "\n")
    typer.echo(f"created key file {key_file}", err=True)
    return secret


def _progress(events: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """A progress bar on stderr for files of many events (one event needs none)."""
    console = Console(stderr=True)
    return track(events, description="anonymizing", console=console, disable=len(events) < 50)


def anonymize(
    source: Path = typer.Argument(..., help="MISP JSON file ('-' for standard input)"),
    policy: Path = typer.Option(..., "--policy", "-p", help="Policy file (YAML or JSON)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output file (default stdout)"),
    key_file: Path | None = typer.Option(
        None, "--key-file", "-k", help="Hex file with the 64-byte secret (created if missing)"
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the change report here"),
) -> None:
    """Anonymize MISP events from a file under a policy file."""
    text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    try:
        events, shape = _events(json.loads(text))
        out, reports = anonymize_offline(
            events, policy.read_text(encoding="utf-8"), _secret(key_file), _progress
        )
    except (ThreatmeshError, ValueError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    rendered = json.dumps(_shaped(out, shape), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(rendered)
    else:
        output.write_text(rendered, encoding="utf-8")
    if report is not None:
        report.write_text(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
