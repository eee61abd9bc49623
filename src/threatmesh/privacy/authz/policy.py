"""Producers' policies and their evaluation (the authorization server's decision).

A :class:`Policy` grants its scopes to a requesting party when every condition it
states holds: the party's organisation is one of ``orgs`` (name or UUID), its sector
one of ``sectors``, its country one of ``countries``, its role one of ``roles``, its
trust level at least ``min_trust``, and each required claim was pushed with the
required value. An empty condition does not restrict. Several policies on a resource
are alternatives: a scope is granted when any policy grants it.

When a policy would grant a requested scope but for a claim the party did not push,
the answer names that claim, so the token endpoint can answer ``need_info``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmesh.model.errors import InvalidInput

#: Scopes of an event resource (and of a collection of events).
EVENT_SCOPES = ("read", "read:protected", "sighting:add")
_LISTS = ("orgs", "sectors", "countries", "roles")


@dataclass(frozen=True, slots=True)
class Party:
    """The requesting party: what the platform knows about it, and what it pushed."""

    org_uuid: str
    org_name: str
    sector: str = ""
    country: str = ""
    role: str = ""
    trust: int = 0
    claims: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Policy:
    """Who gets which scopes (see the module docstring)."""

    scopes: frozenset[str]
    orgs: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    min_trust: int | None = None
    claims: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, where: str = "Policy") -> Policy:
        """A policy from its JSON form; bad input is an :class:`InvalidInput` naming the field."""
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}: expected an object")
        unknown = set(data) - {"scopes", "min_trust", "claims", *_LISTS}
        if unknown:
            raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        scopes = _strings(data.get("scopes"), f"{where}.scopes")
        if not scopes:
            raise InvalidInput(f"{where}.scopes: name at least one scope")
        bad = scopes - set(EVENT_SCOPES)
        if bad:
            raise InvalidInput(
                f"{where}.scopes: unknown scope(s) {', '.join(sorted(bad))}; "
                f"known: {', '.join(EVENT_SCOPES)}"
            )
        # Organisation names are exact; sector, country and role compare case-insensitively.
        lists = {
            name: _strings(data.get(name), f"{where}.{name}", lower=name != "orgs")
            for name in _LISTS
        }
        return cls(
            scopes=scopes,
            min_trust=_trust(data.get("min_trust"), f"{where}.min_trust"),
            claims=_claims(data.get("claims"), f"{where}.claims"),
            **lists,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON form :meth:`from_json` reads."""
        out: dict[str, Any] = {"scopes": sorted(self.scopes)}
        out.update({name: sorted(getattr(self, name)) for name in _LISTS})
        out["min_trust"] = self.min_trust
        out["claims"] = dict(sorted(self.claims.items()))
        return out

    def matches_facts(self, party: Party) -> bool:
        """Whether the party's organisation, sector, country, role and trust qualify."""
        return (
            (not self.orgs or bool({party.org_uuid, party.org_name} & self.orgs))
            and (not self.sectors or party.sector.lower() in self.sectors)
            and (not self.countries or party.country.lower() in self.countries)
            and (not self.roles or party.role.lower() in self.roles)
            and (self.min_trust is None or party.trust >= self.min_trust)
        )

    def missing_claims(self, party: Party) -> frozenset[str] | None:
        """Required claims the party did not push; None if one was pushed with a wrong value."""
        missing = set()
        for name, value in self.claims.items():
            if name not in party.claims:
                missing.add(name)
            elif party.claims[name] != value:
                return None
        return frozenset(missing)


@dataclass(frozen=True, slots=True)
class Decision:
    """The scopes granted, and the claims that would unlock more of the requested ones."""

    granted: frozenset[str]
    required_claims: frozenset[str] = frozenset()


def decide(policies: Iterable[Policy], party: Party, requested: Iterable[str]) -> Decision:
    """Evaluate ``policies`` for ``party`` asking for ``requested`` scopes."""
    wanted = frozenset(requested)
    granted: set[str] = set()
    needed: set[str] = set()
    for policy in policies:
        useful = policy.scopes & wanted
        if not useful or not policy.matches_facts(party):
            continue
        missing = policy.missing_claims(party)
        if missing == frozenset():
            granted |= useful
        elif missing is not None and useful - granted:
            needed |= missing
    return Decision(frozenset(granted), frozenset(needed) if granted != wanted else frozenset())


def _strings(value: Any, where: str, *, lower: bool = False) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"{where}: expected a list of non-empty strings")
    return frozenset(v.strip().lower() if lower else v.strip() for v in value)


def _trust(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise InvalidInput(f"{where}: expected an integer trust level from 0 to 5")
    return value


def _claims(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(f"{where}: expected an object of claim names to string values")
    return dict(value)
