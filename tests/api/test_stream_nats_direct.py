"""Subscribing directly on NATS, as docs/stream.md tells consumers to: a plain nats-py
JetStream consumer on ``<prefix>.<topic>`` gets the notifications the API's writes made."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson
from tests.support import live_server, require_service
from tests.support_nats import SHARED_NATS_URL, nats_available, unique_names

from threatmesh.bus.nats import NatsBus


async def _first_two(stream: str, subject: str) -> list[tuple[dict[str, str], bytes]]:
    import nats

    nc = await nats.connect(SHARED_NATS_URL)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable="docs-consumer", stream=stream)
        got: list[tuple[dict[str, str], bytes]] = []
        for _ in range(40):
            try:
                for msg in await sub.fetch(batch=2 - len(got), timeout=0.5):
                    await msg.ack()
                    got.append((dict(msg.headers or {}), msg.data))
            except nats.errors.TimeoutError:
                pass
            if len(got) == 2:
                break
        return got
    finally:
        await nc.close()


def test_a_plain_jetstream_consumer_receives_the_changes(sqlite_url: str, tmp_path: Path) -> None:
    require_service(nats_available())
    names = unique_names()
    try:
        with live_server(
            sqlite_url,
            tmp_path,
            lifespan="on",
            bus="nats",
            nats_url=SHARED_NATS_URL,
            nats_stream=names["stream"],
            nats_subject_prefix=names["prefix"],
        ) as srv:
            headers = {"Authorization": srv.admin_key}
            ev = httpx.post(srv.url + "/events/add", json={"info": "n"}, headers=headers).json()
            for value in ("a.direct.test", "b.direct.test"):
                r = httpx.post(
                    f"{srv.url}/attributes/add/{ev['Event']['id']}",
                    json={"type": "domain", "value": value},
                    headers=headers,
                )
                assert r.status_code == 200
            subject = f"{names['prefix']}.misp_json_attribute"
            got = asyncio.run(_first_two(names["stream"], subject))
    finally:
        bus = NatsBus(SHARED_NATS_URL, **names)
        bus.delete_stream()
        bus.close()
    assert [orjson.loads(data)["Attribute"]["value"] for _, data in got] == [
        "a.direct.test",
        "b.direct.test",
    ]
    for h, _ in got:
        assert h["Nats-Msg-Id"] == h["Threatmesh-Id"]
        assert h["Threatmesh-Event"] == ev["Event"]["uuid"]
        assert ":" in h["Threatmesh-Publisher"]
