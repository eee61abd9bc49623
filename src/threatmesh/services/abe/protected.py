"""Protected intelligence on the server side: blind-index keys.

Protected attributes themselves need no use case of their own: the MISP JSON parser
accepts a ``Protected`` envelope in place of a value (see
:mod:`threatmesh.model.envelope`) and every read path returns it. What is left is the
store of blind-index keys, each CP-ABE-encrypted under the policy of the data it indexes,
so that exactly that policy's recipients can compute and search index tags.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import orjson

from threatmesh.formats.fields import as_dict, as_str
from threatmesh.model import envelope
from threatmesh.model.errors import Conflict, InvalidInput, NotFound
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.abe import records as abe_records


def add_index_key(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Store a blind-index key envelope; answers its UUID."""
    data = as_dict(payload, "IndexKey")
    sealed = envelope.parse(data.get("Protected"), "IndexKey.Protected")
    raw_uuid = as_str(data.get("uuid") or str(uuidlib.uuid4()), "IndexKey.uuid").lower()
    try:
        key_id = str(uuidlib.UUID(raw_uuid))
    except ValueError:
        raise InvalidInput(f"IndexKey.uuid: {raw_uuid!r} is not a UUID") from None
    with platform.write() as conn:
        if abe_records.index_key(conn, key_id) is not None:
            raise Conflict(f"IndexKey.uuid: {key_id} already exists")
        abe_records.add_index_key(
            conn,
            uuid=key_id,
            org_id=who.viewer.org_id,
            policy=sealed.policy,
            envelope=orjson.dumps(sealed.to_json()).decode(),
            now=platform.now(),
        )
    return view_index_key(platform, who, key_id)


def view_index_key(platform: Platform, who: Identity, key_id: str) -> dict[str, Any]:
    """A blind-index key envelope (any authenticated user may fetch it: only the
    policy's recipients can open it)."""
    with platform.read() as conn:
        row = abe_records.index_key(conn, key_id.lower())
    if row is None:
        raise NotFound("Invalid index key.")
    return {
        "uuid": row["uuid"],
        "org_id": str(row["org_id"]),
        "policy": row["policy"],
        "Protected": orjson.loads(row["envelope"]),
    }
