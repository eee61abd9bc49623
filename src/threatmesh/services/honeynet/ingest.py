"""Cowrie sessions into a MISP-compatible platform, through its REST API only.

Each session that attacked (a login attempt, a command or a file) becomes the event
Cowrie's own MISP output plugin would write (:mod:`threatmesh.honeypots.ingest.cowrie_misp`),
once: a session the platform already holds, from an earlier read of the log or from the
plugin itself (found by its ``cowrie-session`` id), is left alone. Before its event is
written, what the platform already knows of the attacker gets a sighting (source
``<sensor> (Cowrie)``): its address, and the files it fetched by SHA-256 and MD5, so the
sightings land on what others reported, not on the session's own event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.honeypots.ingest.cowrie import CowrieSession
from threatmesh.honeypots.ingest.cowrie_misp import cowrie_source, session_event, session_uuid

__all__ = ["IngestReport", "report_sessions"]


@dataclass(slots=True)
class IngestReport:
    """What one ingest did: events written, sessions already there, sightings, quiet
    sessions (a connection that never tried to log in)."""

    created: int = 0
    known: int = 0
    sighted: int = 0
    quiet: int = 0

    def add(self, other: IngestReport) -> None:
        """Add ``other``'s counts to this report's."""
        self.created += other.created
        self.known += other.known
        self.sighted += other.sighted
        self.quiet += other.quiet


def _epoch(at: str) -> int | None:
    try:
        return int(dt.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _sight(client: ThreatmeshClient, value: str, source: str, at: int | None) -> int:
    """Sight every attribute with ``value`` the platform shows us (0 when none does)."""
    body = {"value": value, "source": source, "type": "0"}
    if at is not None:
        body["timestamp"] = str(at)
    try:
        answer = client.request("POST", "/sightings/add", json=body)
    except ClientError as exc:
        if exc.status in {403, 404}:  # nothing holds the value, or we may not sight it
            return 0
        raise
    return len(answer) if isinstance(answer, list) else 1


def _known(client: ThreatmeshClient, session: CowrieSession) -> bool:
    try:
        client.get_event(session_uuid(session))
        return True
    except ClientError as exc:
        if exc.status != 404:
            raise
    found = client.search_attributes(type="text", value=session.id)
    return any(a.get("object_relation") == "id" for a in found)


def _values(session: CowrieSession, samples: Mapping[str, bytes]) -> list[str]:
    values = [session.src_ip]
    for download in session.downloads:
        values.append(download.shasum)
        if (content := samples.get(download.shasum)) is not None:
            values.append(hashlib.md5(content, usedforsecurity=False).hexdigest())
    return values + [upload.shasum for upload in session.uploads]


def report_session(
    client: ThreatmeshClient, session: CowrieSession, samples: Mapping[str, bytes]
) -> IngestReport:
    """Report one closed session (see the module's docstring)."""
    if not session.attacker:
        return IngestReport(quiet=1)
    if _known(client, session):
        return IngestReport(known=1)
    source, at = cowrie_source(session.sensor), _epoch(session.start)
    sighted = sum(_sight(client, v, source, at) for v in dict.fromkeys(_values(session, samples)))
    client.add_event(session_event(session, samples))
    return IngestReport(created=1, sighted=sighted)


def report_sessions(
    url: str, key: str, sessions: Iterable[CowrieSession], samples: Mapping[str, bytes]
) -> IngestReport:
    """Report ``sessions`` to the platform at ``url`` with API key ``key``."""
    total = IngestReport()
    with ThreatmeshClient(url, key, timeout=60) as client:
        for session in sessions:
            total.add(report_session(client, session, samples))
    return total
