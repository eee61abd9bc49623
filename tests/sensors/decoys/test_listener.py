"""Every decoy served on loopback: its exploit probe, sent over TCP as the public
exploit sends it, is recorded as an interaction (payload, hash, attacker address)."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.sensors.decoys.listener import DecoyListener

DECOYS = [CATALOGUE.decoys[c] for c in CATALOGUE.cves()]


async def _fire(decoy: Decoy) -> tuple[bytes, list[Interaction]]:
    hits: list[Interaction] = []
    listener = DecoyListener(decoy, host="web-01", record=hits.append, clock=lambda: 1_800_000_000)
    port = await listener.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in decoy.probe:
        writer.write(chunk)
        await writer.drain()
    writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    for _ in range(200):  # the server records once the session is closed
        if hits:
            break
        await asyncio.sleep(0.01)
    await listener.stop()
    return answer, hits


@pytest.mark.parametrize("decoy", DECOYS, ids=lambda d: d.cve)
def test_the_probe_is_recorded(decoy: Decoy) -> None:
    answer, hits = asyncio.run(_fire(decoy))
    assert answer or decoy.protocol == "openwire"  # the broker's banner comes first
    (hit,) = hits
    payload = b"".join(decoy.probe)
    assert (hit.cve, hit.host, hit.peer, hit.exploit) == (decoy.cve, "web-01", "127.0.0.1", True)
    assert hit.payload == payload and hit.sha256 == hashlib.sha256(payload).hexdigest()
    assert Interaction.from_line(hit.to_line()) == hit


def test_a_client_that_sends_nothing_is_not_recorded() -> None:
    async def connect_and_leave() -> list[Interaction]:
        hits: list[Interaction] = []
        listener = DecoyListener(CATALOGUE.decoys["CVE-2018-10933"], host="h", record=hits.append)
        port = await listener.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert (await reader.readline()).startswith(b"SSH-2.0-libssh")
        writer.close()
        await asyncio.sleep(0.05)
        await listener.stop()
        return hits

    assert asyncio.run(connect_and_leave()) == []
