"""The NATS JetStream bus: notifications in a stream, for several server processes
and for remote consumers (``pip install 'threatmesh[nats]'``).

Subjects are ``<prefix>.<topic>`` (``threatmesh.misp_json_event``...) in one stream
(``THREATMESH`` by default) that captures ``<prefix>.>``. Every message carries the
notification id in ``Nats-Msg-Id``, so JetStream drops a copy the relay sends again
within the duplicate window (two minutes) after a lost acknowledgement.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Collection, Coroutine, Sequence
from typing import Any, TypeVar

from threatmesh.bus.base import Bus, BusUnavailable, Delivery, Message, Subscription

try:
    import nats
    from nats.aio.client import Client
    from nats.js import JetStreamContext, api
    from nats.js.errors import NotFoundError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("the nats bus backend needs nats-py: pip install 'threatmesh[nats]'") from exc

T = TypeVar("T")

#: Header naming the process that published (host:pid), for operators and tests.
PUBLISHER_HEADER = "Threatmesh-Publisher"


class NatsBus(Bus):
    """A JetStream stream; positions are the stream's sequence numbers."""

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        *,
        stream: str = "THREATMESH",
        prefix: str = "threatmesh",
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.stream = stream
        self.prefix = prefix
        self.timeout = float(timeout)
        self._publisher = f"{socket.gethostname()}:{os.getpid()}"
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._closed = False
        self._connecting = asyncio.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="threatmesh-nats", daemon=True
        )
        self._thread.start()

    def subject(self, topic: str) -> str:
        """The NATS subject of ``topic``."""
        return f"{self.prefix}.{topic}"

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the bus's event loop; any failure is :class:`BusUnavailable`."""
        if self._closed:
            coro.close()
            raise BusUnavailable("the NATS bus is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=(timeout or self.timeout) + 1.0)
        except BusUnavailable:
            raise
        except Exception as exc:
            future.cancel()
            raise BusUnavailable(f"NATS at {self.url}: {exc.__class__.__name__}: {exc}") from exc

    async def jetstream(self) -> JetStreamContext:
        """The JetStream context, connecting (and creating the stream) when needed."""
        async with self._connecting:  # concurrent publishers share one connection
            return await self._connect()

    async def _connect(self) -> JetStreamContext:
        if self._nc is not None and self._js is not None and self._nc.is_connected:
            return self._js
        if self._nc is not None:
            await self._drop()
        nc = await nats.connect(
            self.url,
            connect_timeout=max(1, int(self.timeout)),
            allow_reconnect=False,
            name=f"threatmesh {self._publisher}",
        )
        js = nc.jetstream(timeout=self.timeout)
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                name=self.stream,
                subjects=[f"{self.prefix}.>"],
                storage=api.StorageType.FILE,
                duplicate_window=120.0,
            )
        self._nc, self._js = nc, js
        return js

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            try:
                await nc.close()
            except Exception:  # a dead connection may fail to close; it is gone anyway
                pass

    async def _publish(self, message: Message) -> int:
        js = await self.jetstream()
        headers = {
            "Nats-Msg-Id": str(message.id),
            "Threatmesh-Id": str(message.id),
            "Threatmesh-Event": message.event_uuid,
            PUBLISHER_HEADER: self._publisher,
        }
        try:
            ack = await js.publish(
                self.subject(message.topic), message.payload, timeout=self.timeout, headers=headers
            )
        except Exception:
            await self._drop()  # reconnect next time rather than reuse a broken link
            raise
        return int(ack.seq)

    def publish(self, message: Message) -> int:
        return self.run(self._publish(message))

    async def _chain(self, messages: list[Message], stored: list[int]) -> BaseException | None:
        for message in messages:
            try:
                await self._publish(message)
            except Exception as exc:
                return exc  # the rest of this event waits: sending it now would reorder
            stored.append(message.id)
        return None

    async def _publish_ordered(
        self, messages: Sequence[Message]
    ) -> tuple[list[int], BaseException | None]:
        chains: dict[str, list[Message]] = {}
        for message in messages:
            chains.setdefault(message.event_uuid, []).append(message)
        stored: list[int] = []
        failures = await asyncio.gather(*(self._chain(c, stored) for c in chains.values()))
        return stored, next((f for f in failures if f is not None), None)

    def publish_ordered(
        self, messages: Sequence[Message]
    ) -> tuple[list[int], BusUnavailable | None]:
        """Each event's messages in order, different events concurrently (each publish
        still waits for its acknowledgement, but the round trips overlap)."""
        timeout = self.timeout * (len(messages) + 1)
        try:
            stored, failure = self.run(self._publish_ordered(messages), timeout=timeout)
        except BusUnavailable as exc:  # closed, or timed out as a whole: send all again
            return [], exc
        if failure is None:
            return sorted(stored), None
        return sorted(stored), BusUnavailable(
            f"NATS at {self.url}: {failure.__class__.__name__}: {failure}"
        )

    def subscribe(self, *, after: int = 0, topics: Collection[str] | None = None) -> Subscription:
        if self._closed:
            raise BusUnavailable("the NATS bus is closed")
        return NatsSubscription(self, after, None if topics is None else frozenset(topics))

    async def _delete_stream(self) -> None:
        js = await self.jetstream()
        await js.delete_stream(self.stream)

    def delete_stream(self) -> None:
        """Delete this bus's stream and every message in it (tests, benchmarks)."""
        self.run(self._delete_stream())

    async def _shutdown(self) -> None:
        await self._drop()
        # The client's reader, pinger and flusher tasks end once cancelled and awaited;
        # stopping the loop with them pending would only warn about them later.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.run(self._shutdown())
        except BusUnavailable:
            pass
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def message_of(msg: Any) -> Message:
    """The notification carried by a JetStream message."""
    headers = msg.headers or {}
    topic = msg.subject.rsplit(".", 1)[-1]
    return Message(
        id=int(headers.get("Threatmesh-Id", 0)),
        topic=topic,
        event_uuid=headers.get("Threatmesh-Event", ""),
        payload=bytes(msg.data),
    )


class NatsSubscription(Subscription):
    """An ephemeral pull consumer from a stream sequence; after a failure the next
    ``fetch`` starts a new consumer where the last one stopped."""

    def __init__(self, bus: NatsBus, after: int, topics: frozenset[str] | None) -> None:
        self._bus = bus
        self._after = after
        self._topics = topics
        self._psub: Any = None
        self._closed = False

    def _filter(self) -> str:
        if self._topics is not None and len(self._topics) == 1:
            return self._bus.subject(next(iter(self._topics)))
        return f"{self._bus.prefix}.>"  # several topics: filtered here (one filter per consumer)

    async def _consumer(self) -> Any:
        if self._psub is None:
            js = await self._bus.jetstream()
            config = api.ConsumerConfig(
                deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=self._after + 1,
                ack_policy=api.AckPolicy.NONE,
                inactive_threshold=60.0,
            )
            self._psub = await js.pull_subscribe(
                self._filter(), stream=self._bus.stream, config=config
            )
        return self._psub

    async def _fetch(self, limit: int, timeout: float) -> list[Delivery]:
        try:
            psub = await self._consumer()
            try:
                msgs = await psub.fetch(batch=limit, timeout=timeout)
            except (nats.errors.TimeoutError, TimeoutError):
                # Nothing came in time (nats-py raises its own TimeoutError or asyncio's,
                # depending on where the wait ran out): the consumer stays.
                return []
        except Exception:
            self._psub = None
            await self._bus._drop()
            raise
        out = []
        for msg in msgs:
            position = int(msg.metadata.sequence.stream)
            self._after = max(self._after, position)
            delivery = Delivery(position, message_of(msg))
            if self._topics is None or delivery.message.topic in self._topics:
                out.append(delivery)
        return out

    def fetch(self, *, limit: int = 100, timeout: float = 1.0) -> list[Delivery]:
        if self._closed:
            raise BusUnavailable("the subscription is closed")
        return self._bus.run(self._fetch(limit, timeout), timeout=timeout + self._bus.timeout)

    async def _close(self) -> None:
        psub, self._psub = self._psub, None
        if psub is not None:
            await psub.unsubscribe()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._bus.run(self._close())
        except BusUnavailable:
            pass
