"""``stream/events``: the live event stream as Server-Sent Events.

``GET /stream/events?topics=misp_json_event,misp_json_attribute`` with the usual
``Authorization`` header. Each frame's ``id`` is the notification id; reconnect with
``Last-Event-ID`` (or ``?last_event_id=``) to resume after it (0: from the start).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from threatmesh.api.http import identify, platform_of
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import sse as svc

router = APIRouter(tags=["stream"])

#: A comment line this often keeps proxies from closing an idle stream.
_KEEPALIVE_SECONDS = 15.0


def _key(request: Request) -> str:
    return (
        request.headers.get("authorization") or request.headers.get("x-misp-auth") or ""
    ).strip()


class EventStream(StreamingResponse):
    """Server-Sent Events (what the OpenAPI document says this route answers)."""

    media_type = "text/event-stream"


#: One frame as it is parsed (OpenAPI 3.1: the schema of an event stream is an event's).
_FRAME = {
    "type": "object",
    "required": ["id", "event", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The notification id."},
        "event": {"type": "string", "description": "The topic, e.g. misp_json_event."},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
}
_TOPIC = rf"\s*({'|'.join(svc.TOPICS)})?\s*"
_TOPICS = Query(
    None,
    description="Comma-separated topics (all when absent).",
    json_schema_extra={"pattern": f"^{_TOPIC}(,{_TOPIC})*$"},
)
_POSITION = Query(
    None,
    description="Resume after this notification id (0: from the start).",
    json_schema_extra={"pattern": "^[0-9]+$"},
)


@router.get(
    "/stream/events",
    response_class=EventStream,
    responses={200: {"content": {"text/event-stream": {"schema": _FRAME}}}},
)
async def events(
    request: Request,
    topics: str | None = _TOPICS,
    last_event_id: str | None = _POSITION,
    who: Identity = Depends(identify),
) -> EventStream:
    """Notifications as they are committed, filtered to what the caller may see."""
    platform = platform_of(request)
    wanted = svc.parse_topics(topics)
    header = request.headers.get("last-event-id")
    where = "Last-Event-ID" if header is not None else "last_event_id"
    requested = svc.parse_position(header if header is not None else last_event_id, where)
    start = await run_in_threadpool(svc.start_position, platform, requested, where)
    poll: float = request.app.state.settings.stream_poll_seconds
    frames = _frames(platform, _key(request), start, frozenset(wanted), poll)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return EventStream(frames, headers=headers)


async def _frames(
    platform: Platform, key: str, position: int, wanted: frozenset[str], poll: float
) -> AsyncIterator[bytes]:
    yield b": threatmesh event stream\nretry: 2000\n\n"
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    stop_listening = platform.doorbell.listen(lambda: _wake(loop, woken))
    last_sent = time.monotonic()
    try:
        while True:
            woken.clear()  # before reading, so a commit during the read is not missed
            # Identify again each round: a disabled user or a revoked key ends the stream.
            who = await run_in_threadpool(platform.identify, key)
            if who is None:
                return
            position, frames, more = await run_in_threadpool(
                svc.next_frames, platform, who.viewer, position, wanted
            )
            if frames:
                yield b"".join(f.encode() for f in frames)
                last_sent = time.monotonic()
            if more:
                continue
            # Woken by a commit in this process, else look again after ``poll`` seconds
            # for commits made through other workers.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=poll)
            if time.monotonic() - last_sent > _KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                last_sent = time.monotonic()
    finally:
        stop_listening()


def _wake(loop: asyncio.AbstractEventLoop, woken: asyncio.Event) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed as the stream ended
        loop.call_soon_threadsafe(woken.set)
