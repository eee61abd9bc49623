"""Producers' UMA policies: who may have which scopes on an event or a collection.

``POST /uma/policies`` takes the target (``resource_id``, or ``event``, ``tag`` or
``sharing_group``, registering the resource when needed) and the policy's conditions
(see ``privacy.authz.policy``), e.g.::

    {"event": "<uuid>", "scopes": ["read"], "sectors": ["finance"], "roles": ["User"]}
"""

from __future__ import annotations

from typing import Any

import orjson

from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.privacy.authz.policy import Policy
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.uma.resources import register_resource, require_producer
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.uma import store as uma_store

_TARGETS = ("resource_id", "event", "tag", "sharing_group")


def _target(platform: Platform, conn: Connection, who: Identity, body: dict[str, Any]) -> Row:
    named = [k for k in _TARGETS if k in body]
    if len(named) != 1 or not isinstance(body[named[0]], str):
        raise InvalidInput(f"Policy: name exactly one target of {', '.join(_TARGETS)}")
    key = named[0]
    if key != "resource_id":
        return register_resource(platform, conn, who, key, body[key])
    row = uma_store.resource_by_id(conn, body[key])
    if row is None or int(row["owner_org_id"]) != who.viewer.org_id:
        raise NotFound("resource_id: no such resource of your organisation")
    return row


def _json(row: Row) -> dict[str, Any]:
    return {
        "uuid": row["uuid"],
        "resource_id": row["rsid"],
        "type": row["kind"],
        "ref": row["ref"],
        **orjson.loads(row["rule"]),
    }


def add_policy(platform: Platform, who: Identity, body: Any) -> dict[str, Any]:
    """Create a policy; answers it as ``GET /uma/policies`` lists it."""
    require_producer(who)
    if not isinstance(body, dict):
        raise InvalidInput("Policy: expected an object")
    policy = Policy.from_json({k: v for k, v in body.items() if k not in _TARGETS})
    with platform.write() as conn:
        resource = _target(platform, conn, who, body)
        policy_uuid = uma_store.add_policy(
            conn,
            resource_pk=int(resource["id"]),
            rule=policy.to_json(),
            user_id=who.viewer.user_id,
            now=platform.now(),
        )
        rows = uma_store.policies_of(conn, who.viewer.org_id)
    return next(_json(r) for r in rows if r["uuid"] == policy_uuid)


def list_policies(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """The policies of the caller's organisation."""
    with platform.read() as conn:
        return [_json(r) for r in uma_store.policies_of(conn, who.viewer.org_id)]


def delete_policy(platform: Platform, who: Identity, policy_uuid: str) -> None:
    """Remove one of the organisation's policies (RPTs already issued run to expiry)."""
    require_producer(who)
    with platform.write() as conn:
        if not uma_store.delete_policy(
            conn, policy_uuid=policy_uuid.strip().lower(), owner_org_id=who.viewer.org_id
        ):
            raise NotFound("Invalid policy.")
