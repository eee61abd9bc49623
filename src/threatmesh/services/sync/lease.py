"""One push run per server at a time, in any process: the background pusher, the
``servers/push`` requests and ``threatmesh sync`` take a lease on the server first
(:mod:`threatmesh.storage.sync.leases`), and renew it as the run goes on. Two runs
at once would send the same events twice, and spend the anonymizer's privacy
budget twice for them.

A lease names its holder's host and process: a run killed on this host (even by
SIGKILL) leaves a lease the next run takes over at once; one on another host lapses
after :data:`LEASE_SECONDS` without renewal.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from threatmesh.model.errors import Conflict
from threatmesh.services.platform import Platform
from threatmesh.storage.sync import leases

#: How long a lease lasts unless renewed (a run renews it at least every third of it).
LEASE_SECONDS = 300
#: How long a request or the CLI waits for a run in progress to finish.
WAIT_SECONDS = 60.0


class Busy(Conflict):
    """Another run holds the lease."""

    name = "Sync already running"


def _gone(holder: str) -> bool:
    """Whether the process that took lease ``holder`` is gone (checked on this host
    only: a holder elsewhere is trusted until its lease lapses)."""
    host, _, rest = holder.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another thread of this process: alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def held(
    platform: Platform, server_id: int, direction: str = "push", *, wait: float = WAIT_SECONDS
) -> Iterator[Callable[[], None]]:
    """Hold the lease on ``server_id`` for the block (waiting up to ``wait`` seconds
    for a run in progress, then :class:`Busy`); yields the function to call as the
    run goes on, which renews the lease when a third of it has passed."""
    me = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4()}"

    def claim() -> bool:
        with platform.write() as conn:
            now = platform.now()
            current = leases.holder(conn, server_id, direction, now)
            stale = current if current and current != me and _gone(current) else None
            return leases.claim(conn, server_id, direction, me, now, LEASE_SECONDS, replacing=stale)

    deadline = time.monotonic() + wait
    pause = threading.Event()
    while not claim():
        if time.monotonic() >= deadline:
            raise Busy(
                f"A {direction} to server {server_id} is already running (the background "
                "pusher, another request or threatmesh sync); try again when it has finished."
            )
        pause.wait(0.2)
    renewed = time.monotonic()

    def renew() -> None:
        nonlocal renewed
        if time.monotonic() - renewed > LEASE_SECONDS / 3:
            claim()
            renewed = time.monotonic()

    try:
        yield renew
    finally:
        with platform.write() as conn:
            leases.release(conn, server_id, direction, me)
