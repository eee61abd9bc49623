"""Resource ids for events that are not there.

The resource server answers a request for any well-formed event UUID the same way,
whether the event exists or not: 401 with a permission ticket. A ticket names a
resource id, and a registered event's id never changes, so the id of an event that
does not exist must not change from one request to the next either, nor look any
different: it is derived from the UUID with a key only the server holds (HMAC-SHA256),
shaped as the random UUIDs registered resources get. No grant can redeem it: no
resource is registered under it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid as uuidlib

#: The purpose the derivation key is stored under (``storage.signing_keys``).
KEY_PURPOSE = "uma-unknown-resources"


def unknown_event_resource_id(key: bytes, event_uuid: str) -> str:
    """The stable, unguessable resource id of ``event_uuid`` when it has no resource."""
    digest = hmac.new(key, b"event:" + event_uuid.encode(), hashlib.sha256).digest()
    return str(uuidlib.UUID(bytes=digest[:16], version=4))
