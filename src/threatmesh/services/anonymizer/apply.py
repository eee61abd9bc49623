"""Anonymize, preview and export events under a stored or an inline policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from threatmesh.formats.misp_types import as_json
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.privacy.anonymizer import (
    Context,
    Keys,
    Report,
    anonymize_event,
    parse_policy,
    statistics,
)
from threatmesh.services.anonymizer import egress
from threatmesh.services.anonymizer import plugins as anonymizer_plugins
from threatmesh.services.anonymizer.policies import find_policy_row, policy_document
from threatmesh.services.events.events import view_event
from threatmesh.services.platform import Identity, Platform


def _event(platform: Platform, who: Identity, payload: dict[str, Any]) -> dict[str, Any]:
    """``event_id`` (a stored event the caller can see) or ``event`` (a MISP event)."""
    if payload.get("event_id") is not None:
        return as_json(view_event(platform, who, str(payload["event_id"])))
    event = payload.get("event")
    if isinstance(event, dict) and isinstance(event.get("Event"), dict):
        event = event["Event"]
    if not isinstance(event, dict):
        raise InvalidInput("event: expected a MISP event object (or give event_id)")
    return event


def _require_release_rights(who: Identity, what: str) -> None:
    """Releasing data for a recipient (and spending its budget) is a sync-level act."""
    if not (who.viewer.site_admin or who.viewer.can("perm_sync")):
        raise Forbidden(f"{what} for a recipient needs site admin or sync rights.")


def recipient_of(raw: Any) -> egress.Recipient | None:
    """A recipient from ``{"kind", "ident", "org_uuid"?}``, or None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in egress.RECIPIENT_KINDS:
        raise InvalidInput(f"recipient.kind: expected one of {', '.join(egress.RECIPIENT_KINDS)}")
    ident = str(raw.get("ident") or "").strip()
    if not ident:
        raise InvalidInput("recipient.ident: the recipient's identifier is required")
    org = raw.get("org_uuid")
    return egress.Recipient(raw["kind"], ident, str(org).lower() if org else None)


def _run(
    platform: Platform, who: Identity, payload: Any, *, charge: bool
) -> tuple[dict[str, Any], dict[str, Any], Report]:
    if not isinstance(payload, dict):
        raise InvalidInput("expected an object with 'event' (or 'event_id') and 'policy'")
    event = _event(platform, who, payload)
    recipient = recipient_of(payload.get("recipient")) if charge else None
    policy = payload.get("policy")
    with platform.write() as conn:
        if isinstance(policy, str | int) and not isinstance(policy, bool):
            row = find_policy_row(conn, str(policy), with_secret=True)
            out, report = egress.apply_stored(platform, conn, row, event, recipient)
            return event, out, report
        if policy is None:
            raise InvalidInput("policy: give a stored policy's name, uuid or id, or a policy")
        compiled = policy_document(policy)
        keys = Keys(pseudonym=secrets.token_bytes(32), cryptopan=secrets.token_bytes(32))
        out, report = anonymize_event(event, compiled, Context(keys=keys, rng=egress.secure_rng()))
        if recipient is not None:
            egress.charge(
                platform, conn, recipient, report.epsilon_spent, compiled.policy.default_budget
            )
        return event, out, report


def anonymize(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """The event anonymized, with a report of which rule changed which field. With a
    ``recipient``, the noise spent is charged to its privacy budget."""
    _, out, report = _run(platform, who, payload, charge=True)
    return {"Event": out, "report": report.to_dict(with_values=False)}


def preview(platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
    """Before, after, the diff (each changed field with its rule) and the report.
    Nothing is charged: the preview is for the owner of the data."""
    before, out, report = _run(platform, who, payload, charge=False)
    full = report.to_dict(with_values=True)
    return {
        "before": {"Event": before},
        "after": {"Event": out},
        "diff": full.pop("changes"),
        "report": full,
    }


def export(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """The event as it would leave for the recipient (its bound policy applied)."""
    _require_release_rights(who, "Exporting")
    recipient = recipient_of(payload.get("recipient") if isinstance(payload, dict) else None)
    if recipient is None:
        raise InvalidInput('recipient: required, e.g. {"kind": "server", "ident": "1"}')
    event = as_json(view_event(platform, who, ref))
    with platform.write() as conn:
        return {"Event": egress.outbound(platform, conn, event, recipient)}


def anonymize_offline(
    events: list[dict[str, Any]],
    policy_text: str,
    secret: bytes,
    progress: Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]] = iter,
) -> tuple[list[dict[str, Any]], list[Report]]:
    """Anonymize events read from files (the CLI) under a policy and a 64-byte secret
    (32 bytes HMAC key, 32 bytes Crypto-PAn key); noise comes from ``os.urandom``.
    ``progress`` wraps the iteration (the CLI's progress bar)."""
    anonymizer_plugins.ensure_loaded()
    compiled = parse_policy(policy_text)
    keys = Keys.from_bytes(secret)
    outs, reports = [], []
    for event in progress(events):
        out, report = anonymize_event(event, compiled, Context(keys=keys, rng=egress.secure_rng()))
        outs.append(out)
        reports.append(report)
    return outs, reports


def new_secret() -> bytes:
    """A fresh 64-byte policy secret."""
    return secrets.token_bytes(64)


def release_statistics(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """Noisy statistics of a stored event for a recipient, charged to its budget:
    ``{"recipient", "epsilon", "mechanism"?, "statistics"?}``."""
    _require_release_rights(who, "Releasing statistics")
    body = payload if isinstance(payload, dict) else {}
    recipient = recipient_of(body.get("recipient"))
    if recipient is None:
        raise InvalidInput('recipient: required, e.g. {"kind": "feed", "ident": "daily"}')
    epsilon, mechanism = body.get("epsilon"), body.get("mechanism", "geometric")
    if not isinstance(epsilon, int | float) or isinstance(epsilon, bool) or not 0 < epsilon <= 10:
        raise InvalidInput("epsilon: expected a number in (0, 10]")
    if mechanism not in ("geometric", "laplace"):
        raise InvalidInput("mechanism: expected 'geometric' or 'laplace'")
    wanted = body.get("statistics") or list(statistics.STATISTICS)
    event = as_json(view_event(platform, who, ref, include_sightings=True))
    try:
        done = statistics.release(
            event,
            list(wanted),
            epsilon=float(epsilon),
            mechanism=mechanism,
            rng=egress.secure_rng(),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    with platform.write() as conn:
        rows = egress.policies_for(conn, [recipient])
        default = min(
            (egress.compiled(r["document"]).policy.default_budget for r in rows), default=1.0
        )
        egress.charge(platform, conn, recipient, done.epsilon, default)
    return {"statistics": done.values, "epsilon_spent": done.epsilon, "mechanism": mechanism}
