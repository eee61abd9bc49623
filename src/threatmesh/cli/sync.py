"""``threatmesh sync``: run pulls and pushes once, or every N seconds, with progress."""

from __future__ import annotations

import json
import logging
import sys
import time

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.platform import Platform
from threatmesh.services.sync import api as sync_api
from threatmesh.services.sync import pull as sync_pull
from threatmesh.services.sync import push as sync_push
from threatmesh.services.sync import servers
from threatmesh.services.sync.receive import Progress as ProgressCallback
from threatmesh.services.sync.receive import Report


def _one_pass(
    platform: Platform,
    targets: list[tuple[int, bool, bool]],
    *,
    pull: bool,
    push: bool,
    batch: int,
    err: Console,
    debug: bool = False,
) -> int:
    """Pull then push each server; print one JSON summary per run; count failures."""
    failures = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        for server_id, can_pull, can_push in targets:
            for direction, enabled in (("pull", pull and can_pull), ("push", push and can_push)):
                if not enabled:
                    continue
                task = bar.add_task(f"{direction} server {server_id}", total=None)

                def tick(_: str, done: int, total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=done, total=total)

                report = _run(platform, server_id, direction, batch, tick, err, debug)
                if report is None:
                    failures += 1
                    continue
                sys.stdout.write(json.dumps(report.summary()) + "\n")
                sys.stdout.flush()
                _print_failures(err, direction, server_id, report.outcome.failed)
    return failures


def _run(
    platform: Platform,
    server_id: int,
    direction: str,
    batch: int,
    tick: ProgressCallback,
    err: Console,
    debug: bool,
) -> Report | None:
    """One pull or push run; None (with one line on ``err``) when it stopped."""
    try:
        if direction == "pull":
            return sync_pull.pull(platform, server_id, batch=batch, progress=tick)
        return sync_push.push(platform, server_id, progress=tick)
    except Exception as exc:
        if debug and not isinstance(exc, ThreatmeshError):
            raise
        line = f"{direction} server {server_id}: {_reason(exc)}"
        err.print(f"[red]{escape(line)}[/red]", soft_wrap=True)
        return None


def _reason(exc: Exception) -> str:
    """One line saying why a run stopped (the traceback is for ``--debug``)."""
    if isinstance(exc, ThreatmeshError):
        return exc.message
    return f"{exc.__class__.__name__}: {exc} (run with --debug for the traceback)"


def _print_failures(err: Console, direction: str, server_id: int, failed: dict[str, str]) -> None:
    """One line per event that did not go through (recorded; retried later)."""
    for uuid, reason in list(failed.items())[:20]:
        line = f"{direction} server {server_id}: event {uuid} skipped: {reason}"
        err.print(f"[yellow]{escape(line)}[/yellow]", highlight=False, soft_wrap=True)
    if len(failed) > 20:
        err.print(f"[yellow]... and {len(failed) - 20} more (see servers/syncFailures)[/yellow]")


def sync(
    server_ids: list[int] = typer.Argument(
        None, help="Server ids (default: every connection with pull or push switched on)"
    ),
    pull: bool = typer.Option(True, "--pull/--no-pull", help="Pull from the servers"),
    push: bool = typer.Option(True, "--push/--no-push", help="Push to the servers"),
    every: float = typer.Option(0.0, "--every", min=0, help="Repeat every N seconds (0: once)"),
    full: bool = typer.Option(False, "--full", help="Forget the cursors: offer everything again"),
    batch: int = typer.Option(50, "--batch", min=1, help="Events per pulled batch"),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an unexpected error"),
) -> None:
    """Run a pull and/or push with remote instances; print one JSON summary per run."""
    # Each failed event gets its own line below: the service's log would repeat it.
    logging.getLogger("threatmesh.sync").addHandler(logging.NullHandler())
    platform = build_platform(Settings())
    err = Console(stderr=True)
    targets = servers.switches(platform, server_ids)
    if not targets:
        err.print("no server connections to sync with (see servers/add)")
        raise typer.Exit(1)
    if full:
        for server_id, _, _ in targets:
            for direction in ("pull", "push"):
                sync_api.reset(platform, server_id, direction)
    while True:
        failures = _one_pass(
            platform, targets, pull=pull, push=push, batch=batch, err=err, debug=debug
        )
        if every <= 0:
            raise typer.Exit(1 if failures else 0)
        time.sleep(every)
