"""``client.stream.Subscription`` against a live server: the frames of a published
event, resuming after the last id seen, and closing from another thread."""

from __future__ import annotations

import threading

from pymisp import MISPEvent, PyMISP
from tests.support import LiveServer

from threatmesh.client.stream import StreamFrame, Subscription


def _publish(misp: PyMISP, info: str) -> None:
    event = MISPEvent()
    event.info = info
    event.add_attribute("vulnerability", "CVE-2021-41773")
    created = misp.add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent)
    misp.publish(created)


def test_frames_resume_and_close(sqlite_server: LiveServer) -> None:
    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False, timeout=60)
    subscription = Subscription(sqlite_server.url, sqlite_server.admin_key,
                                topics=("misp_json",), stop=threading.Event())  # fmt: skip
    frames: list[StreamFrame] = []

    def read() -> None:
        for frame in subscription:
            frames.append(frame)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert subscription.opened.wait(30)
    _publish(misp, "first")
    deadline = threading.Event()
    for _ in range(600):
        if frames:
            break
        deadline.wait(0.05)
    (frame,) = frames
    assert frame.topic == "misp_json" and frame.data["Event"]["info"] == "first"
    assert subscription.position == frame.id
    subscription.close()
    reader.join(timeout=30)
    assert not reader.is_alive()
    # A new subscription after that id gets what was published since.
    _publish(misp, "second")
    later = Subscription(sqlite_server.url, sqlite_server.admin_key, topics=("misp_json",),
                         stop=threading.Event(), after=frame.id)  # fmt: skip
    first = next(iter(later))
    later.close()
    assert first.data["Event"]["info"] == "second" and first.id > frame.id
