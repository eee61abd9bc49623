"""The background pusher: publishing sends the event on to the connected instances.

MISP pushes an event when it is published (``Event::publish`` ->
``uploadEventToServersRouter``, run as a background job): to every connection with
``push`` on, except the one the event came from, by the distribution, sharing-group
and push rules of :func:`threatmesh.services.sync.push.push`. A received event that
arrives published is published on the receiver in the same way (``Event::_add``), so
it travels on to the next instance: this is how A -> B -> C relaying works.

Here one thread per server process does it. It looks for work when a write of this
process rings the platform's doorbell (publishing writes a notification; storing a
received event rings it too), after a short linger that lets a burst of writes land,
and every ``poll_seconds`` for writes made by other processes. Work for a connection
with push on is: published events of distribution 2-4 changed or published since its
push cursor, neither pushed to it nor pulled from it in this version (MISP's
``passAlong``) and not waiting out the backoff of an earlier failure; failed pushes
whose backoff has passed; new sightings (with ``push_sightings``). Each is one
ordinary incremental push run, holding the server's lease, so it never overlaps an
operator's ``servers/push`` or ``threatmesh sync`` run. Publishing never waits for a
peer: the request only commits the change.

A run that stops (the remote does not answer, refuses the key, lacks the sync
permission) records each event it was to send in ``sync_failures`` with the reason
(``servers/syncFailures`` lists them) and leaves that server alone for the backoff of
:func:`threatmesh.services.sync.failures.retry_delay`; the other servers go on.
"""

from __future__ import annotations

import logging
import threading
import time

from threatmesh.client.misp import RemoteError
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.platform import Platform
from threatmesh.services.sync import failures as sync_failures
from threatmesh.services.sync import lease
from threatmesh.services.sync import push as sync_push
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.sync import failures as failure_store
from threatmesh.storage.sync import outgoing
from threatmesh.storage.sync import servers as server_rows
from threatmesh.storage.sync import store as sync_store
from threatmesh.storage.sync.failures import Failure

log = logging.getLogger("threatmesh.sync")

#: Events recorded as not pushed when a run stops (the first ones it was to send).
RECORDED_WHEN_STOPPED = 100


def has_work(conn: Connection, server: Row, now: int) -> bool:
    """Whether a push run to ``server`` has something to do at ``now``."""
    sid, recipient = int(server["id"]), sync_failures.peer(int(server["id"]))
    since = sync_store.cursor(conn, sid, "push")
    if outgoing.has_candidates(conn, sid, since, recipient, now):
        return True
    if failure_store.any_due(conn, "push", recipient, now):
        return True
    if not server["push_sightings"]:
        return False
    return outgoing.has_sightings_since(conn, sync_store.cursor(conn, sid, "push_sightings"))


class PushWorker:
    """Pushes to the connections with push on whenever they have work (see above)."""

    def __init__(
        self, platform: Platform, *, poll_seconds: float = 10.0, linger_seconds: float = 0.2
    ) -> None:
        self.platform = platform
        self.poll_seconds = poll_seconds
        self.linger_seconds = linger_seconds
        #: Runs that went through, for tests and the operator's curiosity.
        self.runs = 0
        self._stops: dict[int, int] = {}  # stopped runs in a row, per server
        self._not_before: dict[int, float] = {}  # monotonic time of the next try
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> list[int]:
        """The connections with push on that have work and are not backing off."""
        now, clock = self.platform.now(), time.monotonic()
        with self.platform.read() as conn:
            pushing = [sid for sid, _, push in server_rows.switches(conn) if push]
            rows = [server_rows.server(conn, sid) for sid in pushing]
            return [
                int(row["id"])
                for row in rows
                if row is not None
                and self._not_before.get(int(row["id"]), 0.0) <= clock
                and has_work(conn, row, now)
            ]

    def run_once(self) -> int:
        """One round: a push run to each connection that has work; how many ran."""
        ran = 0
        for server_id in self.due():
            ran += self._run(server_id)
        return ran

    def _run(self, server_id: int) -> int:
        try:
            report = sync_push.push(self.platform, server_id, wait=0)
        except lease.Busy:
            return 0  # another run is at it: it sends what we would have
        except RemoteError as exc:
            self._stopped(server_id, exc.message, record=True)
            return 0
        except ThreatmeshError as exc:  # switched off or deleted meanwhile, say
            self._stopped(server_id, exc.message, record=False)
            return 0
        self._stops.pop(server_id, None)
        self._not_before.pop(server_id, None)
        self.runs += 1
        summary = report.summary()
        if summary["added"] or summary["updated"] or summary["failed"] or summary["sightings"]:
            log.info("background push to server %d: %s", server_id, summary)
        return 1

    def _stopped(self, server_id: int, reason: str, *, record: bool) -> None:
        """A run that stopped: back off, and record the events it was to send."""
        stops = self._stops[server_id] = self._stops.get(server_id, 0) + 1
        delay = sync_failures.retry_delay(stops)
        self._not_before[server_id] = time.monotonic() + delay
        log.warning(
            "background push to server %d stopped (%d in a row; next try in %d s): %s",
            server_id,
            stops,
            delay,
            reason,
        )
        if record:
            self._record(server_id, f"not pushed: {reason}")

    def _record(self, server_id: int, reason: str) -> None:
        peer, now = sync_failures.peer(server_id), self.platform.now()
        with self.platform.write() as conn:
            since = sync_store.cursor(conn, server_id, "push")
            pending = outgoing.candidates(conn, server_id, since)[:RECORDED_WHEN_STOPPED]
            for c in pending:
                failure = Failure("push", peer, server_id, c["uuid"], int(c["timestamp"]), reason)
                failure_store.save(conn, failure, now, sync_failures.retry_delay)

    def _loop(self) -> None:
        doorbell = self.platform.doorbell
        seen = doorbell.rings
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database is down, say: keep the thread alive
                log.exception("background push: a round failed; trying again")
            seen = doorbell.wait(seen, self.poll_seconds)
            # Woken by a write: let the burst's next commits land first.
            self._stop.wait(self.linger_seconds)

    def start(self) -> PushWorker:
        """Run in a background thread until :meth:`stop`."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="threatmesh-push", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (a run in progress finishes first, up to ``timeout``)."""
        self._stop.set()
        self.platform.doorbell.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
