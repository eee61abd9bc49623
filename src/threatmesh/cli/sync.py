"""``threatmesh sync``: run pulls and pushes once, or every N seconds, with progress."""

from __future__ import annotations

import json
import sys
import time

import sqlalchemy as sa
import typer
from rich.console import Console
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
from threatmesh.services import sync_api, sync_pull, sync_push
from threatmesh.services.platform import Platform
from threatmesh.storage.tables import servers


def _targets(platform: Platform, ids: list[int] | None) -> list[tuple[int, bool, bool]]:
    """(id, pull on, push on) of the named connections, or of every one."""
    q = sa.select(servers.c.id, servers.c.pull, servers.c.push).order_by(servers.c.id)
    if ids:
        q = q.where(servers.c.id.in_(ids))
    with platform.read() as conn:
        return [(r.id, bool(r.pull), bool(r.push)) for r in conn.execute(q)]


def _one_pass(
    platform: Platform,
    targets: list[tuple[int, bool, bool]],
    *,
    pull: bool,
    push: bool,
    batch: int,
    err: Console,
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

                try:
                    if direction == "pull":
                        report = sync_pull.pull(platform, server_id, batch=batch, progress=tick)
                    else:
                        report = sync_push.push(platform, server_id, progress=tick)
                except ThreatmeshError as exc:
                    failures += 1
                    err.print(f"[red]{direction} server {server_id}: {exc.message}[/red]")
                    continue
                sys.stdout.write(json.dumps(report.summary()) + "\n")
                sys.stdout.flush()
    return failures


def sync(
    server_ids: list[int] = typer.Argument(
        None, help="Server ids (default: every connection with pull or push switched on)"
    ),
    pull: bool = typer.Option(True, "--pull/--no-pull", help="Pull from the servers"),
    push: bool = typer.Option(True, "--push/--no-push", help="Push to the servers"),
    every: float = typer.Option(0.0, "--every", min=0, help="Repeat every N seconds (0: once)"),
    full: bool = typer.Option(False, "--full", help="Forget the cursors: offer everything again"),
    batch: int = typer.Option(50, "--batch", min=1, help="Events per pulled batch"),
) -> None:
    """Run a pull and/or push with remote instances; print one JSON summary per run."""
    platform = build_platform(Settings())
    err = Console(stderr=True)
    targets = _targets(platform, server_ids)
    if not targets:
        err.print("no server connections to sync with (see servers/add)")
        raise typer.Exit(1)
    if full:
        for server_id, _, _ in targets:
            for direction in ("pull", "push"):
                sync_api.reset(platform, server_id, direction)
    while True:
        failures = _one_pass(platform, targets, pull=pull, push=push, batch=batch, err=err)
        if every <= 0:
            raise typer.Exit(1 if failures else 0)
        time.sleep(every)
