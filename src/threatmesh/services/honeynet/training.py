"""Honeypot sessions as verified positive training data for the network detectors.

Nobody has business with a honeypot: every flow between an attacker that tried to log in
and the sensor, while its session lasted, is an attack, verified by the honeypot itself.
The sessions become a lab :class:`~threatmesh.detection.schedule.Schedule` (one step per
session, ``SSH-Patator`` for SSH sessions, since each is a login attempt run), which the
training reads next to a capture of the sensor's traffic exactly as it reads the lab's
(``<capture>.pcap`` with ``<capture>.schedule.json`` beside it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from threatmesh.detection.schedule import Schedule, Step
from threatmesh.honeypots.ingest.cowrie import CowrieSession

__all__ = ["sessions_schedule"]

#: The lab class a session's flows get, by protocol: login attempts over SSH are what
#: the lab's SSH-Patator step does (Telnet has no lab class yet, so it is left out).
CLASS_BY_PROTOCOL = {"ssh": "SSH-Patator"}
#: Cowrie logs a session's connect once the TCP handshake is done, a few milliseconds
#: after the flow's first packet (measured at a lab Cowrie: 0.1 to 6 ms; flow times are
#: also cut to the millisecond): a step opens this long before its session.
HANDSHAKE_LEAD = 1.0


def _epoch(at: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def sessions_schedule(run: str, sessions: Iterable[CowrieSession]) -> Schedule:
    """The schedule whose steps are the attacking ``sessions`` (by start time)."""
    steps = []
    for session in sessions:
        label = CLASS_BY_PROTOCOL.get(session.protocol)
        start, end = _epoch(session.start), _epoch(session.end or "")
        if label is None or not session.attacker or start is None or session.dst_ip is None:
            continue
        end = start if end is None else end
        steps.append(
            Step(label, "cowrie", session.src_ip, session.dst_ip, start - HANDSHAKE_LEAD, end)
        )
    return Schedule(run, tuple(sorted(steps, key=lambda s: s.start)))
