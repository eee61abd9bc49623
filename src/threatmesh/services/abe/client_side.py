"""Protected sharing from the user's side, against a remote threatmesh server.

What ``threatmesh protect | protect-file | reveal | abe-revoke`` do: encryption and
decryption happen here, on the user's machine, with the keys of the user's keyring
(a file, mode 0600); the server sees envelopes only (docs/protection.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatmesh.client.envelopes import attachment
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient


@dataclass(frozen=True, slots=True)
class Remote:
    """A server, the user's API key on it, and the user's keyring."""

    url: str
    key: str
    keyring: Path

    @contextmanager
    def protected(self) -> Iterator[ProtectedClient]:
        """A client that protects and reveals with the keyring's keys (its connections
        closed on exit)."""
        with ThreatmeshClient(self.url, self.key) as client:
            yield ProtectedClient(client, Keyring(self.keyring))


def protect_event(
    remote: Remote,
    event: dict[str, Any],
    policy: str,
    *,
    only: Collection[str] = (),
    blind_index: bool = False,
) -> dict[str, Any]:
    """Encrypt an event's attributes (of the types in ``only``; all when empty) under
    ``policy``, then upload it; the stored event. With ``blind_index``, a new blind-index
    key lets the policy's recipients correlate the protected values."""
    with remote.protected() as client:
        index = client.new_index_key(policy) if blind_index else None
        return client.protect_event(
            event, policy, select=lambda a: not only or a.get("type") in only, index=index
        )


def protect_file(
    remote: Remote, event_ref: str, name: str, content: bytes, policy: str
) -> dict[str, Any]:
    """Attach ``content`` to an event as an ``attachment`` named ``name``, encrypted under
    ``policy``; the added attribute."""
    with remote.protected() as client:
        added = client.protect_attributes(event_ref, [attachment(name, content)], policy)
    out: dict[str, Any] = added[0]
    return out


def reveal_event(remote: Remote, event_ref: str) -> tuple[dict[str, Any], int]:
    """An event with what the user may read decrypted, and how many protected
    attributes stay sealed."""
    with remote.protected() as client:
        return client.reveal_event(event_ref)


def revoke_user(url: str, key: str, user_ref: str) -> dict[str, Any]:
    """Revoke a user's attribute keys and roll the authority epoch (a site admin's key):
    ``{"revoked_user_id", "epoch"}``."""
    with ThreatmeshClient(url, key) as client:
        return client.abe_revoke(user_ref)
