"""The stream follower's batching: each announced event once per burst, in order."""

from __future__ import annotations

import queue

from threatmesh.client.stream import StreamFrame
from threatmesh.services.stream.follow import _next_events


def _frame(n: int, uuid: str | None) -> StreamFrame:
    data = {"Event": {"uuid": uuid}} if uuid else {"Organisation": {"name": "x"}}
    return StreamFrame(n, "misp_json_event", data)


def test_a_burst_names_each_event_once_in_order() -> None:
    inbox: queue.Queue[StreamFrame | None] = queue.Queue()
    for n, uuid in enumerate(["b", "a", "b", None, "c"]):
        inbox.put(_frame(n, uuid))
    assert _next_events(inbox, 0.01) == ["b", "a", "c"]
    assert _next_events(inbox, 0.01) == []  # nothing within the wait
    inbox.put(_frame(9, "d"))
    inbox.put(None)  # the stream closed
    assert _next_events(inbox, 0.01) is None
