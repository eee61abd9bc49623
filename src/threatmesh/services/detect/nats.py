"""The detection service fed by a NATS subject: each message names an input file.

A sensor that writes captures publishes the path of each finished file (the message body
is the path, or JSON ``{"path": ...}``); the service processes it like a file landing in
the watched directory. Files stay on disk: NATS carries the notice, not the capture.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from threatmesh.services.detect.service import FileReport

log = logging.getLogger("threatmesh.detect")
Process = Callable[[Path], FileReport]


def path_of(body: bytes) -> Path | None:
    """The input path a message names, or None for a message that names none."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("path", ""))
        except (json.JSONDecodeError, AttributeError):
            return None
    return Path(text) if text else None


async def _listen(
    url: str, subject: str, process: Process, stop: threading.Event, ready: threading.Event
) -> None:
    import nats

    conn = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
    loop = asyncio.get_running_loop()

    async def handle(msg: object) -> None:
        path = path_of(getattr(msg, "data", b""))
        if path is None:
            log.error("%s: message names no input file", subject)
            return
        # Scoring and publishing block; keep the connection's loop free meanwhile.
        await loop.run_in_executor(None, process, path)

    await conn.subscribe(subject, cb=handle)
    # The subscription exists on the server only once the server has read it: without
    # the flush, a file named right after "ready" could be published to nobody.
    await conn.flush()
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.1)
    await conn.drain()


def listen(
    url: str,
    subject: str,
    process: Process,
    stop: threading.Event,
    ready: threading.Event | None = None,
) -> None:
    """Process each file named on ``subject`` until ``stop`` is set (blocks)."""
    asyncio.run(_listen(url, subject, process, stop, ready or threading.Event()))
