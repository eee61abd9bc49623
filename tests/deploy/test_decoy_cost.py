"""Each decoy's expected cost (``decoys.base.Cost``, what the placement budget counts
and the ``kubernetes`` backend requests) against what its process takes on the local
backend: its resident memory, read from ``/proc``, once it listens, and again after
serving its exploit probe. One decoy of each protocol (HTTP, SSH, OpenWire)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from threatmesh.deploy.base import DecoySpec
from threatmesh.deploy.local import LocalBackend
from threatmesh.honeypots.decoys.catalogue import decoy_for


def _resident(pid: int) -> int:
    """Bytes the process holds in memory (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def _probe(cve: str, port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in decoy_for(cve).probe:
        writer.write(chunk)
        await writer.drain()
    assert await asyncio.wait_for(reader.read(65536), 10)  # its answer (some keep the line)
    writer.close()
    await writer.wait_closed()


@pytest.mark.parametrize("cve", ["CVE-2021-41773", "CVE-2018-10933", "CVE-2023-46604"])
def test_a_decoy_fits_its_memory_estimate(cve: str) -> None:
    hits: list[object] = []
    backend = LocalBackend(record=hits.append)
    try:
        deployment = backend.start(DecoySpec(cve, "web-01"))
        pid = backend._procs[deployment.spec.key].popen.pid
        cost = decoy_for(cve).cost
        assert 0 < _resident(pid) <= cost.memory
        asyncio.run(_probe(cve, deployment.port))
        assert _resident(pid) <= cost.memory
    finally:
        backend.close()
