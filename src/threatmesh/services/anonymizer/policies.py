"""Anonymizer use cases: stored policies, bindings, budgets, anonymize, preview, export.

Policies, bindings and budgets are instance-wide (they govern everything leaving the
instance), so managing them needs site admin rights. Anonymizing or previewing an
event the caller can see, with a stored or an inline policy, needs only an account.
An inline policy gets fresh random keys per request: its pseudonyms are not stable.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from threatmesh.model.errors import Conflict, InvalidInput, NotFound, ThreatmeshError
from threatmesh.privacy.anonymizer import (
    TECHNIQUES,
    CompiledPolicy,
    Policy,
    compile_policy,
    parse_policy,
)
from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.anonymizer import egress
from threatmesh.services.anonymizer import plugins as anonymizer_plugins
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.anonymizer import store as store
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory

BINDING_KINDS = (*egress.RECIPIENT_KINDS, "default")


def policy_document(payload: Any) -> CompiledPolicy:
    """A policy from a request: the document itself, or ``{"document": "<YAML>"}``."""
    anonymizer_plugins.ensure_loaded()
    if isinstance(payload, dict) and isinstance(payload.get("document"), str):
        return parse_policy(payload["document"])
    if isinstance(payload, dict) and isinstance(payload.get("Policy"), dict):
        payload = payload["Policy"]
    return compile_policy(payload)


def public(row: Row) -> dict[str, Any]:
    """A stored policy as the API shows it (never its keys)."""
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "name": row["name"],
        "org_id": str(row["org_id"]),
        "created": str(row["created"]),
        "modified": str(row["modified"]),
        "document": json.loads(row["document"]),
    }


def find_policy_row(conn: Connection, ref: str, *, with_secret: bool = False) -> Row:
    row = store.find_policy(conn, ref, with_secret=with_secret)
    if row is None:
        raise NotFound(f"Invalid policy: no anonymization policy {ref!r}.")
    return row


def create_policy(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Store a new policy with fresh keys (HMAC and Crypto-PAn, 32 bytes each)."""
    require_site_admin(who)
    policy = policy_document(payload).policy
    now = platform.now()
    with platform.write() as conn:
        if store.find_policy(conn, policy.name) is not None:
            raise Conflict(f"An anonymization policy named {policy.name!r} already exists.")
        pid = store.insert_policy(
            conn,
            uuid=str(uuid.uuid4()),
            name=policy.name,
            document=policy.model_dump_json(),
            secret=secrets.token_bytes(64),
            org_id=who.viewer.org_id,
            created=now,
            modified=now,
        )
        return public(find_policy_row(conn, str(pid)))


def update_policy(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """Replace a policy's document; its keys stay, so its pseudonyms stay the same."""
    require_site_admin(who)
    policy = policy_document(payload).policy
    with platform.write() as conn:
        row = find_policy_row(conn, ref)
        other = store.find_policy(conn, policy.name)
        if other is not None and other["id"] != row["id"]:
            raise Conflict(f"An anonymization policy named {policy.name!r} already exists.")
        store.update_policy(
            conn,
            row["id"],
            name=policy.name,
            document=policy.model_dump_json(),
            modified=platform.now(),
        )
        return public(find_policy_row(conn, str(row["id"])))


def delete_policy(platform: Platform, who: Identity, ref: str) -> None:
    """Delete a policy and its bindings."""
    require_site_admin(who)
    with platform.write() as conn:
        store.delete_policy(conn, find_policy_row(conn, ref)["id"])


def get_policy(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """One stored policy."""
    with platform.read() as conn:
        return public(find_policy_row(conn, ref))


def list_policies(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """Every stored policy."""
    with platform.read() as conn:
        return [public(r) for r in store.list_policies(conn)]


def _recipient_key(
    conn: Connection, payload: Any, *, unknown: type[ThreatmeshError] = InvalidInput
) -> tuple[str, str]:
    """The stored key of a recipient; ``unknown`` is raised for an organisation that does
    not exist (a 404 when the recipient is named in the path)."""
    if not isinstance(payload, dict):
        raise InvalidInput("expected an object with 'kind' and 'ident'")
    kind, ident = payload.get("kind"), str(payload.get("ident", "")).strip()
    if kind not in BINDING_KINDS:
        raise InvalidInput(f"kind: expected one of {', '.join(BINDING_KINDS)}, got {kind!r}")
    if kind == "default":
        return "default", "*"
    if not ident:
        raise InvalidInput("ident: the recipient's identifier is required")
    if kind == "organisation":
        org = directory.find_org(conn, ident)
        if org is None:
            raise unknown(f"ident: no organisation {ident!r}")
        ident = str(org["uuid"])
    return str(kind), ident


def bind(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Bind a stored policy to a recipient (``{"kind", "ident", "policy"}``)."""
    require_site_admin(who)
    with platform.write() as conn:
        kind, ident = _recipient_key(conn, payload)
        row = find_policy_row(conn, str(payload.get("policy", "")))
        store.bind(conn, kind=kind, ident=ident, policy_id=row["id"], now=platform.now())
    return {"kind": kind, "ident": ident, "policy_uuid": row["uuid"], "policy_name": row["name"]}


def unbind(platform: Platform, who: Identity, kind: str, ident: str) -> None:
    """Remove a binding."""
    require_site_admin(who)
    with platform.write() as conn:
        k, i = _recipient_key(conn, {"kind": kind, "ident": ident}, unknown=NotFound)
        if not store.unbind(conn, kind=k, ident=i):
            raise NotFound(f"Invalid binding: nothing is bound to {kind} {ident!r}.")


def list_bindings(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """Every binding."""
    require_site_admin(who)
    with platform.read() as conn:
        return [
            {
                "kind": r["kind"],
                "ident": r["ident"],
                "policy_uuid": r["policy_uuid"],
                "policy_name": r["policy_name"],
                "created": str(r["created"]),
            }
            for r in store.list_bindings(conn)
        ]


def set_budget(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Grant a recipient an epsilon budget (``{"kind", "ident", "epsilon"}``)."""
    require_site_admin(who)
    epsilon = payload.get("epsilon") if isinstance(payload, dict) else None
    if not isinstance(epsilon, int | float) or isinstance(epsilon, bool) or epsilon < 0:
        raise InvalidInput("epsilon: expected a number >= 0")
    with platform.write() as conn:
        kind, ident = _recipient_key(conn, payload)
        store.set_budget(conn, kind=kind, ident=ident, total=float(epsilon), now=platform.now())
    return get_budget(platform, who, kind, ident)


def get_budget(platform: Platform, who: Identity, kind: str, ident: str) -> dict[str, Any]:
    """A recipient's budget: granted, spent, remaining."""
    require_site_admin(who)
    with platform.read() as conn:
        k, i = _recipient_key(conn, {"kind": kind, "ident": ident}, unknown=NotFound)
        row = store.budget(conn, kind=k, ident=i)
    if row is None:
        raise NotFound(f"Invalid budget: {kind} {ident!r} has no privacy budget yet.")
    total, spent = float(row["epsilon_total"]), float(row["epsilon_spent"])
    return {
        "kind": k,
        "ident": i,
        "epsilon_total": total,
        "epsilon_spent": spent,
        "epsilon_remaining": max(0.0, total - spent),
    }


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of a policy document."""
    return Policy.model_json_schema()


def techniques() -> list[dict[str, Any]]:
    """The registered techniques: name, kinds handled, parameter schema."""
    return [
        {"name": name, "kinds": sorted(cls.kinds), "params": cls.Params.model_json_schema()}
        for name, cls in sorted(TECHNIQUES.items())
    ]
