"""``python -m threatmesh.sensors.decoys --cve CVE --port PORT --host HOST [--bind ADDR]``:
one decoy in its own process, as the local backend starts it. Writes
``{"listening": PORT}`` once listening, then one JSON line per interaction, on stdout;
stops on SIGTERM or when its standard input closes (the agent is gone)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading

from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.sensors.decoys.listener import DecoyListener


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` when standard input closes (a daemon thread: it blocks reading)."""
    sys.stdin.read()
    loop.call_soon_threadsafe(stop.set)


async def _main(args: argparse.Namespace) -> None:
    decoy = decoy_for(args.cve)

    def record(hit: Interaction) -> None:
        _emit(hit.to_line())

    listener = DecoyListener(decoy, host=args.host, record=record, bind=args.bind, port=args.port)
    port = await listener.start()
    _emit(json.dumps({"listening": port, "cve": decoy.cve}))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
    await stop.wait()
    await listener.stop()


def main() -> None:
    """Parse the arguments and serve the decoy until told to stop."""
    parser = argparse.ArgumentParser(prog="python -m threatmesh.sensors.decoys")
    parser.add_argument("--cve", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--host", required=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
