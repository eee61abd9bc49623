"""The running platform: database, clock and options every use case needs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from threatmesh.model.access import Viewer
from threatmesh.services.stream.notify import Doorbell
from threatmesh.services.trust import Trust
from threatmesh.storage.core import database
from threatmesh.storage.core.database import Connection, Engine, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.reads import ReadOptions
from threatmesh.storage.stream import outbox

_KEY_ALPHABET = string.ascii_letters + string.digits
T = TypeVar("T")
KEY_LENGTH = 40


def new_api_key() -> str:
    """A fresh 40-character API key (about 238 bits of entropy)."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(KEY_LENGTH))


def hash_key(key: str) -> str:
    """The stored form of an API key. Keys are long random strings, so a fast hash is
    enough: there is nothing to brute-force, and auth stays one indexed lookup."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated user: the row and its access facts."""

    user: Row
    viewer: Viewer


@dataclass
class Platform:
    """Dependencies of the use cases, built once by ``api`` or ``cli``."""

    engine: Engine
    correlation_cap: int = 20
    unpublished_private: bool = False
    auth_cache_seconds: float = 2.0
    clock: Callable[[], float] = time.time
    #: Public URL of this instance: how sharing groups name it to other instances.
    base_url: str = ""
    #: Serve "this community" (distribution 1) content to remote sync users pulling from
    #: us, as MISP does (the puller keeps it as distribution 0); false: it never leaves.
    sync_serve_community: bool = True
    #: Tag rows by id, shared by searches (tags are never deleted; ids never reused).
    tag_cache: dict[int, Row] = field(default_factory=dict)
    #: Rung after each commit that wrote notifications (wakes the relay and streams).
    doorbell: Doorbell = field(default_factory=Doorbell)
    #: UMA, provenance and reputation options and caches (services/trust.py).
    trust: Trust = field(default_factory=Trust)
    #: Attachment and malware-sample files, for the paths that move whole events (sync).
    attachments: AttachmentStore | None = None
    _auth_cache: dict[str, tuple[float, Identity]] = field(default_factory=dict)
    _facts: dict[tuple[Any, ...], tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lookup_engine: Engine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        directory.watch_identity_writes(self.engine)
        self._lookup_engine = database.lookup_engine(self.engine)

    def now(self) -> int:
        """Current time in epoch seconds."""
        return int(self.clock())

    def today(self) -> dt.date:
        """Current UTC date."""
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).date()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any error.

        Notifications the use case queued are inserted last, just before the commit."""
        with database.begin(self.engine) as conn:
            directory.identities_changed(conn)  # reset: the flag lives on the pooled connection
            outbox.begin(conn)
            yield conn
            notified = outbox.flush(conn, self.now())
            identities = directory.identities_changed(conn)
        if identities:
            self.forget_identities()
        if notified:
            self.doorbell.ring()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work, in autocommit mode: no BEGIN and ROLLBACK round
        trips around a lookup (each statement reads committed data, as PostgreSQL's
        default READ COMMITTED would within a transaction anyway)."""
        with database.connect(self.engine) as conn:
            database.autocommit(conn)
            yield conn

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A read for the hot fixed-shape lookups that are written for generic plans
        (see ``storage.database.lookup_engine``), in autocommit mode like :meth:`read`."""
        if self._lookup_engine is self.engine:
            with self.read() as conn:
                yield conn
            return
        with database.connect(self._lookup_engine) as conn:
            yield conn

    def read_options(self, **overrides: bool) -> ReadOptions:
        """Options for reading events under this platform's settings."""
        return ReadOptions(
            correlation_cap=self.correlation_cap,
            unpublished_private=self.unpublished_private,
            **overrides,
        )

    def cached_identity(self, key: str) -> Identity | None:
        """The identity :meth:`identify` would answer from its cache, without I/O."""
        digest = hash_key(key)
        with self._lock:
            hit = self._auth_cache.get(digest)
        if hit is not None and time.monotonic() - hit[0] < self.auth_cache_seconds:
            return hit[1]
        return None

    def identify(self, key: str) -> Identity | None:
        """The user owning API key ``key``, or None. Cached briefly, because every
        request authenticates and the answer rarely changes; a write through this
        platform to users, keys, organisations, roles or sharing groups clears the cache,
        so in one process such changes apply at once."""
        hit = self.cached_identity(key)
        if hit is not None:
            return hit
        digest, now = hash_key(key), time.monotonic()
        with self.read() as conn:
            user = directory.user_for_key_hash(conn, digest, self.now())
            identity = None if user is None else Identity(user, directory.viewer_for(conn, user))
        if identity is not None:
            with self._lock:
                self._auth_cache[digest] = (now, identity)
        return identity

    def forget_identities(self) -> None:
        """Drop cached identities and directory facts (after writes that may change
        permissions)."""
        with self._lock:
            self._auth_cache.clear()
            self._facts.clear()

    def directory_fact(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        """``load()``, a fact read from the identity tables (users, keys, organisations,
        roles, sharing groups) under ``key``, cached exactly as identities are: for
        ``auth_cache_seconds`` at most, and dropped at once by a write through this
        platform to those tables. For facts that every request of a kind reads again,
        such as the sharing groups an event's owner sees."""
        now = time.monotonic()
        with self._lock:
            hit = self._facts.get(key)
        if hit is not None and now - hit[0] < self.auth_cache_seconds:
            return cast(T, hit[1])
        value = load()
        with self._lock:
            self._facts[key] = (now, value)
        return value
