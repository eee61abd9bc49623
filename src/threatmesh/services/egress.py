"""The outbound hook: every MISP event leaving the organisation passes through
:func:`outbound`, which applies the policy bound to its recipient.

Policy lookup: a binding for ``(recipient.kind, recipient.ident)``, else one for the
receiving organisation (``("organisation", org_uuid)``), else the default binding
(``("default", "*")``); without any, the event leaves unchanged. All recipients of one
policy get the same pseudonyms, because the keys belong to the policy.

Callers: sync push and pull (``services/sync``), the anonymizer export. Feeds and TAXII
collections call it with their own recipient kinds.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Connection, RowMapping

from threatmesh.privacy.anonymizer import (
    BudgetExhausted,
    CompiledPolicy,
    Context,
    Keys,
    Report,
    anonymize_event,
    compile_policy,
)
from threatmesh.services import anonymizer_plugins
from threatmesh.services.platform import Platform
from threatmesh.storage import anonymizer_store as store

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


def policy_for(conn: Connection, recipient: Recipient) -> RowMapping | None:
    """The policy row (with its secret) that applies to ``recipient``, or None."""
    keys: list[tuple[str, str]] = [(recipient.kind, recipient.ident)]
    if recipient.org_uuid:
        keys.append(("organisation", recipient.org_uuid.lower()))
    keys.append(DEFAULT)
    return store.bound_policy(conn, keys)


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


def apply_stored(
    platform: Platform,
    conn: Connection,
    row: RowMapping,
    event: dict[str, Any],
    recipient: Recipient | None,
) -> tuple[dict[str, Any], Report]:
    """Anonymize ``event`` under the stored policy ``row``; charge ``recipient``'s budget
    for the noise it used (nothing is charged without a recipient)."""
    policy = compiled(row["document"])
    ctx = Context(keys=Keys.from_bytes(bytes(row["secret"])), rng=secure_rng())
    out, report = anonymize_event(event, policy, ctx)
    if recipient is not None:
        charge(platform, conn, recipient, report.epsilon_spent, policy.policy.default_budget)
    return out, report


def outbound(
    platform: Platform, conn: Connection, event: dict[str, Any], recipient: Recipient
) -> dict[str, Any]:
    """Every MISP event (the inner dict of {"Event": ...}) leaving the organisation passes here,
    after distribution filtering; returns what may leave (the recipient's bound policy applied)."""
    row = policy_for(conn, recipient)
    if row is None:
        return event
    out, _ = apply_stored(platform, conn, row, event, recipient)
    return out


__all__ = ["RECIPIENT_KINDS", "BudgetExhausted", "Recipient", "outbound", "policy_for"]
