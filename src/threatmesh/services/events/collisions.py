"""UUID collisions: which element of a request came with a UUID already in use.

New content keeps the UUIDs its client chose, and the database's unique keys refuse
one already taken. The database's own message names tables and constraints, so it
never reaches the client: when a write fails on a unique key, the request's UUIDs are
looked up (after the rollback) and the first taken one is reported by its JSON path in
the request, as :class:`~threatmesh.model.errors.UuidTaken`. The answer is the same
whether the content holding that UUID is visible to the user or not
(docs/architecture.md, "Access control", says why that is the most it can hide).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from threatmesh.formats.misp_json import UuidClaim
from threatmesh.model.errors import UuidTaken
from threatmesh.services.platform import Platform
from threatmesh.storage.core.failures import KeyTaken
from threatmesh.storage.events import uuids


def first_taken(
    platform: Platform, claims: Sequence[UuidClaim], *, outside_event: int | None = None
) -> UuidTaken | None:
    """The error for the first of ``claims`` whose UUID is in use (by content of
    another event than ``outside_event``, if given), or None."""
    with platform.read() as conn:
        used = uuids.taken(conn, [(k, u) for k, u, _ in claims], outside_event=outside_event)
    for kind, uuid, at in claims:
        if (kind, uuid) in used:
            return UuidTaken(kind, uuid, at)
    return None


@contextmanager
def reported(
    platform: Platform, claims: Sequence[UuidClaim], *, outside_event: int | None = None
) -> Iterator[None]:
    """Run a write (a whole ``platform.write()`` block); when it fails on a unique key
    because one of ``claims`` is taken, raise :class:`UuidTaken` for that one instead.
    A :class:`UuidTaken` without a path (raised by storage) gets the claim's path."""
    try:
        yield
    except UuidTaken as exc:
        at = next((a for k, u, a in claims if (k, u) == (exc.kind, exc.uuid)), "")
        raise UuidTaken(exc.kind, exc.uuid, at) from None
    except KeyTaken:
        clash = first_taken(platform, claims, outside_event=outside_event)
        if clash is None:
            raise
        raise clash from None
