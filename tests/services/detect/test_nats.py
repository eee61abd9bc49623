"""Inputs named on a NATS subject reach the detection service (real NATS on loopback)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import nats

from tests.services.detect.test_watch import _Zero
from tests.support import require_service
from tests.support_nats import SHARED_NATS_URL, nats_available
from threatmesh.services.detect.nats import listen, path_of
from threatmesh.services.detect.service import DetectConfig
from threatmesh.services.detect.watch import Watcher

NATS_URL = SHARED_NATS_URL


def test_message_bodies() -> None:
    assert path_of(b"/spool/a.pcap") == Path("/spool/a.pcap")
    assert path_of(b'{"path": "/spool/b.csv"}') == Path("/spool/b.csv")
    assert path_of(b"") is None and path_of(b"{not json") is None


async def _publish(subject: str, bodies: list[bytes]) -> None:
    conn = await nats.connect(NATS_URL)
    for body in bodies:
        await conn.publish(subject, body)
    await conn.flush()
    await conn.close()


def test_named_files_are_processed(tmp_path: Path) -> None:
    require_service(nats_available())
    subject = f"threatmesh.test.{uuid.uuid4().hex[:10]}"
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"garbage!" * 10)
    short = tmp_path / "short.csv"
    short.write_text("Label\nBENIGN\n")
    watcher = Watcher(None, _Zero(), None, DetectConfig())  # type: ignore[arg-type]
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=listen, args=(NATS_URL, subject, watcher.process, stop, ready))
    thread.start()
    try:
        assert ready.wait(10)
        asyncio.run(_publish(subject, [str(bad).encode(), b"", f'{{"path": "{short}"}}'.encode()]))
        deadline = time.monotonic() + 20
        while len(watcher.reports) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    errors = [r.error for r in watcher.reports]
    assert len(errors) == 2
    assert "bad.pcap: not a pcap file" in errors[0] and "short.csv: missing 78" in errors[1]
