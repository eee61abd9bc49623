"""A decoy served on a TCP socket with asyncio: the emulation's banner on connect, its
answers to what the client sends, and an :class:`Interaction` per client that sent
anything (at most ``MAX_REQUEST`` bytes and ``timeout`` seconds of silence each)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from threatmesh.honeypots.decoys.base import MAX_REQUEST, Decoy
from threatmesh.honeypots.decoys.records import Interaction

__all__ = ["DecoyListener"]


class DecoyListener:
    """Serves ``decoy`` for host ``host`` on ``bind``:``port`` (0: any free port),
    calling ``record`` with each interaction."""

    def __init__(
        self,
        decoy: Decoy,
        *,
        host: str,
        record: Callable[[Interaction], None],
        bind: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.decoy, self.host, self.record = decoy, host, record
        self.bind, self.port, self.timeout, self.clock = bind, port, timeout, clock
        self.hits = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; the port listened on."""
        self._server = await asyncio.start_server(self._serve, self.bind, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop listening (sessions under way are cut)."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def serve_forever(self) -> None:
        """Serve until cancelled."""
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("", 0)
        session = self.decoy.session()
        received, exploit = b"", False
        try:
            writer.write(session.opening())
            await writer.drain()
            while len(received) < MAX_REQUEST:
                data = await asyncio.wait_for(reader.read(4096), self.timeout)
                if not data:
                    break
                received += data
                step = session.receive(data)
                exploit = exploit or step.exploit
                writer.write(step.reply)
                await writer.drain()
                if step.done:
                    break
        except (TimeoutError, ConnectionError):
            pass  # a silent or vanished client: what it sent is still recorded
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if received:
            self.hits += 1
            self.record(Interaction(self.decoy.cve, self.host, self.port, str(peer[0]),
                                    int(peer[1]), int(self.clock()), received[:MAX_REQUEST],
                                    exploit))  # fmt: skip
