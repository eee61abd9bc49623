"""Options and per-process state of trusted sharing (UMA, provenance, reputation).

A :class:`Trust` hangs off the :class:`~threatmesh.services.platform.Platform`; ``api``
and ``cli`` fill its options from settings. It caches the platform's signing keys
(stored in the database, created on first use, so every worker shares them) and
recent reputation scores.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from threatmesh.privacy.authz import resources
from threatmesh.privacy.authz.tickets import TicketService
from threatmesh.privacy.authz.tokens import TokenService, key_from_json, key_to_json, new_key
from threatmesh.privacy.provenance.chain import Signer
from threatmesh.storage.core import signing_keys
from threatmesh.storage.core.database import Connection

RPT_KEY = "uma-rpt"
PROVENANCE_KEY = "provenance"


@dataclass
class Trust:
    """Trusted-sharing options, and caches that live as long as the process."""

    #: The authorization server's issuer identifier (its public base URL).
    issuer: str = "http://127.0.0.1:8080"
    rpt_ttl: int = 300
    ticket_ttl: int = 300
    reputation_half_life_days: float = 180.0
    reputation_cache_seconds: float = 30.0
    _keys: dict[str, Any] = field(default_factory=dict, repr=False)
    _scores: dict[int, tuple[float, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _last_purge: float = field(default=0.0, repr=False)
    _head: tuple[int, str] | None = field(default=None, repr=False)

    @property
    def audience(self) -> str:
        """The resource server's identifier, the ``aud`` of every RPT."""
        return self.issuer.rstrip("/") + "/uma"

    def _key(self, conn: Connection, purpose: str, make: Any, load: Any, now: int) -> Any:
        with self._lock:
            hit = self._keys.get(purpose)
        if hit is None:
            text, created = signing_keys.get_or_create(conn, purpose, make, now)
            hit = load(text)
            # A key created in this transaction is kept only once it is committed (the
            # next call reads it back); a rolled-back one must not be used again.
            if not created:
                with self._lock:
                    self._keys[purpose] = hit
        return hit

    def tokens(self, conn: Connection, now: int) -> TokenService:
        """The RPT issuer/verifier, with the platform's ES256 key."""

        def make() -> tuple[str, str]:
            key = new_key()
            return str(key.kid), key_to_json(key)

        key = self._key(conn, RPT_KEY, make, key_from_json, now)
        return TokenService(key, self.issuer.rstrip("/"), self.audience)

    def tickets(self, conn: Connection, now: int) -> TicketService:
        """The permission-ticket issuer/verifier (the RPT key, the ticket audience)."""
        return TicketService(self.tokens(conn, now).key, self.issuer.rstrip("/"))

    def unknown_resource_id(self, conn: Connection, now: int, event_uuid: str) -> str:
        """The resource id a challenge names for an event that does not exist (see
        :mod:`threatmesh.privacy.authz.resources`), from a key kept with the others."""

        def make() -> tuple[str, str]:
            return "hmac-sha256", secrets.token_hex(32)

        key: bytes = self._key(conn, resources.KEY_PURPOSE, make, bytes.fromhex, now)
        return resources.unknown_event_resource_id(key, event_uuid)

    def purge_due(self) -> bool:
        """Whether redeemed tickets are due a purge (at most once per ticket lifetime
        per process: a purge is a write, and expired rows only cost space)."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_purge < self.ticket_ttl:
                return False
            self._last_purge = now
            return True

    def signer(self, conn: Connection, now: int) -> Signer:
        """The Ed25519 key that signs provenance records."""

        def make() -> tuple[str, str]:
            signer = Signer.generate()
            return signer.key_id, signer.private_pem()

        signer: Signer = self._key(conn, PROVENANCE_KEY, make, Signer.from_pem, now)
        return signer

    def provenance_head(self) -> tuple[int, str] | None:
        """The provenance head (seq, hash) this process appended last, if any: only a
        guess, which ``provenance_log.append_after`` checks against the stored head."""
        with self._lock:
            return self._head

    def remember_provenance_head(self, head: tuple[int, str]) -> None:
        """Note the head a record was just appended at (committed or not: a wrong guess
        only costs a retry)."""
        with self._lock:
            self._head = head

    def cached_score(self, org_id: int) -> Any | None:
        """A reputation computed less than ``reputation_cache_seconds`` ago, if any."""
        with self._lock:
            hit = self._scores.get(org_id)
        if hit is not None and time.monotonic() - hit[0] < self.reputation_cache_seconds:
            return hit[1]
        return None

    def remember_score(self, org_id: int, value: Any) -> None:
        """Keep a reputation for a short while."""
        with self._lock:
            self._scores[org_id] = (time.monotonic(), value)

    def forget_scores(self) -> None:
        """Drop cached reputations (after new evidence)."""
        with self._lock:
            self._scores.clear()
