"""The outbound hook: every MISP event leaving the organisation passes through
:func:`outbound`, which applies the policies bound to its recipient.

Policy lookup: the binding for ``(recipient.kind, recipient.ident)`` and the one for
the receiving organisation (``("organisation", org_uuid)``); when both exist, both
apply (each field gets both policies' techniques, see
:mod:`threatmesh.privacy.anonymizer.run`); with neither, the default binding
(``("default", "*")``); without any, the event leaves unchanged. All recipients of one
policy get the same pseudonyms, because the keys belong to the policy.

Callers: sync push and the events served to a pulling peer (``services/sync_serve``),
the anonymizer export. Feeds and TAXII
collections call it with their own recipient kinds.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from threatmesh.privacy.anonymizer import (
    BudgetExhausted,
    CompiledPolicy,
    Context,
    Keys,
    Layer,
    PolicyError,
    Report,
    anonymize_event_under,
    compile_policy,
)
from threatmesh.services.anonymizer import plugins as anonymizer_plugins
from threatmesh.services.platform import Platform
from threatmesh.storage.anonymizer import store as store
from threatmesh.storage.core.database import Connection, Row

RecipientKind = Literal[
    "server", "organisation", "sharing_group", "taxii_collection", "feed", "export"
]
RECIPIENT_KINDS: tuple[str, ...] = (
    "server",
    "organisation",
    "sharing_group",
    "taxii_collection",
    "feed",
    "export",
)
DEFAULT = ("default", "*")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who an event is leaving for."""

    kind: RecipientKind
    ident: str  # server id, org uuid, sharing-group uuid, collection id, feed name, format
    org_uuid: str | None = None  # the receiving organisation, when known

    def label(self) -> str:
        """``server 3`` / ``organisation 5f1...``: how messages name the recipient."""
        return f"{self.kind} {self.ident}"


def secure_rng() -> random.Random:
    """The random source of noise: ``SystemRandom`` draws from ``os.urandom``."""
    return random.SystemRandom()


@functools.lru_cache(maxsize=256)
def compiled(document: str) -> CompiledPolicy:
    """A stored policy document, compiled once per process (documents are immutable
    values: an edit stores a new document)."""
    anonymizer_plugins.ensure_loaded()
    return compile_policy(json.loads(document))


def _binding_keys(conn: Connection, recipient: Recipient) -> list[tuple[str, str]]:
    """The bindings that speak for ``recipient``: its own, then its organisation's (for
    a server connection without one given, the connection's remote organisation)."""
    keys: list[tuple[str, str]] = [(recipient.kind, recipient.ident)]
    org = recipient.org_uuid
    if org is None and recipient.kind == "server" and recipient.ident.isdigit():
        org = store.server_org_uuid(conn, int(recipient.ident))
    if org:
        keys.append(("organisation", org.lower()))
    return keys


def policies_for(conn: Connection, recipients: Sequence[Recipient]) -> list[Row]:
    """The policy rows (with their secrets) that apply to what leaves for
    ``recipients``: every one bound to one of them or to its organisation, most
    specific first, each once; with none, the default binding's; else none."""
    keys = list(dict.fromkeys(k for r in recipients for k in _binding_keys(conn, r)))
    return store.bound_policies(conn, keys) or store.bound_policies(conn, [DEFAULT])


def policy_for(conn: Connection, recipient: Recipient) -> Row | None:
    """The first policy row that applies to ``recipient``, or None."""
    rows = policies_for(conn, [recipient])
    return rows[0] if rows else None


def charge(
    platform: Platform, conn: Connection, recipient: Recipient, epsilon: float, default: float
) -> None:
    """Spend ``epsilon`` of the recipient's budget (created with ``default`` epsilon
    on first use); :class:`BudgetExhausted` when it does not cover it."""
    if epsilon <= 0:
        return
    kind, ident, now = recipient.kind, recipient.ident, platform.now()
    store.ensure_budget(conn, kind=kind, ident=ident, total=default, now=now)
    if not store.charge(conn, kind=kind, ident=ident, epsilon=epsilon, now=now):
        row = store.budget(conn, kind=kind, ident=ident)
        total = float(row["epsilon_total"]) if row else default
        left = max(0.0, total - float(row["epsilon_spent"])) if row else 0.0
        raise BudgetExhausted(
            f"the privacy budget of {recipient.label()} is exhausted: this release needs "
            f"epsilon {epsilon:g} and {left:g} of {total:g} remains"
        )


def _compiled(row: Row) -> CompiledPolicy:
    """A stored policy, validated as it is loaded: one that no longer validates (a
    technique plugin since uninstalled) is an error naming it, for the event at hand."""
    try:
        return compiled(row["document"])
    except PolicyError as exc:
        raise PolicyError(
            f"stored policy {row['name']!r} does not validate: {exc.message}"
        ) from None


def apply_stored(
    platform: Platform,
    conn: Connection,
    row: Row,
    event: dict[str, Any],
    recipient: Recipient | None,
) -> tuple[dict[str, Any], Report]:
    """Anonymize ``event`` under the stored policy ``row``; charge ``recipient``'s budget
    for the noise it used (nothing is charged without a recipient)."""
    return apply_all(platform, conn, [row], event, [recipient] if recipient else [])


def apply_all(
    platform: Platform,
    conn: Connection,
    rows: Sequence[Row],
    event: dict[str, Any],
    recipients: Sequence[Recipient],
) -> tuple[dict[str, Any], Report]:
    """Anonymize ``event`` under every stored policy of ``rows`` together (see
    :mod:`threatmesh.privacy.anonymizer.run`); charge each recipient for all the noise
    used, against the smallest default budget of the policies."""
    policies = [_compiled(row) for row in rows]
    layers = [
        Layer(policy, Context(keys=Keys.from_bytes(bytes(row["secret"])), rng=secure_rng()))
        for policy, row in zip(policies, rows, strict=True)
    ]
    out, report = anonymize_event_under(layers, event)
    default = min(p.policy.default_budget for p in policies)
    for recipient in recipients:
        charge(platform, conn, recipient, report.epsilon_spent, default)
    return out, report


def outbound(
    platform: Platform,
    conn: Connection,
    event: dict[str, Any],
    recipient: Recipient | Sequence[Recipient],
    *,
    charge: bool = True,
) -> dict[str, Any]:
    """Every MISP event (the inner dict of {"Event": ...}) leaving the organisation passes here,
    after distribution filtering; returns what may leave: the event under every policy
    that applies to the recipient (or recipients: one copy reaching several), charged to
    its budget unless ``charge`` is false (nothing is released: the caller only wants to
    know what would be). Raises a :class:`ThreatmeshError` naming the reason when the
    event cannot leave (a value the policy cannot process, an exhausted budget)."""
    recipients = [recipient] if isinstance(recipient, Recipient) else list(recipient)
    rows = policies_for(conn, recipients)
    if not rows:
        return event
    out, _ = apply_all(platform, conn, rows, event, recipients if charge else [])
    return out


__all__ = [
    "RECIPIENT_KINDS",
    "BudgetExhausted",
    "Recipient",
    "outbound",
    "policies_for",
    "policy_for",
]
