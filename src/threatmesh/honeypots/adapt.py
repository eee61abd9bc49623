"""The placement policy: which decoys to run on which hosts, for how long, within what
budget, decided from the intelligence an event carries.

A policy document (YAML or JSON)::

    budget: {max_decoys: 10, max_per_host: 3, cpu: "1", memory: 512Mi,
             per_host: {cpu: 250m, memory: 128Mi}, over_budget: refuse}
    rules:
      - name: critical
        match: {cves: ["CVE-*"], max_threat_level: 2, tags_any: [], tags_none: [],
                min_reputation: 0.0, min_cvss: 7.0}
        deploy: {ttl: 3600, cooldown: 600, port: 0, extend_on_hit: 1800}

A CVE of an event matches the first rule whose every condition holds (threat levels are
MISP's: 1 high .. 4 undefined; reputation is the reporting organisation's, when known);
its decoy goes to every host that runs a product the report or the decoy names. A
decoy already placed has its expiry pushed back; one torn down rests ``cooldown``
seconds; a placement past the budget (decoys, CPU, memory: ``budget.py``) is refused,
or deferred until room frees up while its TTL lasts, and the decision says why; a hit
keeps its decoy up ``extend_on_hit`` seconds at least. Pure: ``now`` is given.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from threatmesh.honeypots.budget import Budget, overrun
from threatmesh.honeypots.decoys.catalogue import Catalogue
from threatmesh.honeypots.risk.cpe_match import cpe_applies
from threatmesh.honeypots.risk.facts import cve_reports
from threatmesh.model.errors import InvalidInput

__all__ = ["Budget", "Decision", "Intelligence", "Placement", "Plan", "Policy",
           "intelligence_in", "parse_policy"]  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """What intelligence a rule takes."""

    cves: tuple[str, ...] = ("*",)
    max_threat_level: int = Field(4, ge=1, le=4)
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    min_reputation: float | None = Field(None, ge=-1.0, le=1.0)
    min_cvss: float = Field(0.0, ge=0.0, le=10.0)


class Deploy(_Strict):
    """How long a decoy runs, how long it rests after, its port (0: any free one, None:
    the service's usual port), and how long each hit keeps it up at least."""

    ttl: int = Field(3600, gt=0)
    extend_on_hit: int = Field(0, ge=0)
    cooldown: int = Field(0, ge=0)
    port: int | None = Field(None, ge=0, le=65535)


class Rule(_Strict):
    """A named rule: a match and what to deploy."""

    name: str
    match: Match = Match()
    deploy: Deploy = Deploy()


class Policy(_Strict):
    """A placement policy document."""

    budget: Budget = Budget()
    rules: tuple[Rule, ...] = ()


def parse_policy(text: str) -> Policy:
    """A policy from YAML or JSON text; InvalidInput naming the field that is wrong."""
    try:
        raw = json.loads(text) if text.lstrip()[:1] == "{" else yaml.safe_load(text)
        return Policy.model_validate(raw or {})
    except (ValueError, yaml.YAMLError) as exc:
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "policy"
            raise InvalidInput(f"policy.{where}: {err['msg']}") from None
        raise InvalidInput(f"policy: neither JSON nor YAML ({str(exc)[:200]})") from None


@dataclass(frozen=True, slots=True)
class Intelligence:
    """One CVE an event reports, with what the policy matches on."""

    cve: str
    cpes: tuple[str, ...]
    threat_level: int
    tags: frozenset[str]
    reputation: float | None
    cvss: float | None


def _tag_names(items: Any) -> set[str]:
    out = set()
    for tag in items or []:
        inner = tag.get("Tag", tag) if isinstance(tag, Mapping) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            out.add(inner["name"])
    return out


def intelligence_in(data: Mapping[str, Any]) -> list[Intelligence]:
    """The CVEs an event (MISP JSON) reports, each with the event's threat level, its
    tags and the attribute's, and its source's reputation."""
    event = data.get("Event", data)
    if not isinstance(event, Mapping):
        return []
    level = str(event.get("threat_level_id") or "4")
    tags = _tag_names(event.get("Tag"))
    out = []
    for report in cve_reports(event):
        out.append(Intelligence(
            report.cve, report.cpes, int(level) if level.isdigit() else 4,
            frozenset(tags), report.source_trust, report.cvss,
        ))  # fmt: skip
    return out


def _matches(match: Match, intel: Intelligence) -> bool:
    if not any(fnmatch.fnmatchcase(intel.cve, p.upper()) for p in match.cves):
        return False
    if intel.threat_level > match.max_threat_level:
        return False
    if match.tags_any and not intel.tags & set(match.tags_any):
        return False
    if intel.tags & set(match.tags_none):
        return False
    if match.min_reputation is not None and (intel.reputation or 0.0) < match.min_reputation:
        return False
    return (intel.cvss if intel.cvss is not None else 10.0) >= match.min_cvss


@dataclass(frozen=True, slots=True)
class Placement:
    """A decoy meant to run: on ``host``, for ``cve``, on ``port``, until ``expires``."""

    host: str
    cve: str
    port: int | None
    expires: int
    rule: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy did with one (host, CVE): deployed, extended, refused (budget,
    cooldown) or deferred (budget), and why."""

    host: str
    cve: str
    action: Literal["deploy", "extend", "refused", "deferred"]
    reason: str


@dataclass
class Plan:
    """The desired state: placements by (host, CVE), when each pair may come back, and
    the placements deferred for want of budget (in their order of arrival)."""

    policy: Policy
    catalogue: Catalogue
    placements: dict[tuple[str, str], Placement] = field(default_factory=dict)
    resting: dict[tuple[str, str], int] = field(default_factory=dict)
    deferred: dict[tuple[str, str], Placement] = field(default_factory=dict)

    def _targets(self, intel: Intelligence, hosts: Mapping[str, Sequence[str]]) -> list[str]:
        report = self.catalogue.about(intel.cve)
        patterns = (*intel.cpes, *(report.cpes if report else ()))
        return sorted(h for h, cpes in hosts.items()
                      if any(cpe_applies(p, c) for p in patterns for c in cpes))  # fmt: skip

    def apply(
        self, intel: Iterable[Intelligence], hosts: Mapping[str, Sequence[str]], now: int
    ) -> list[Decision]:
        """Place the decoys ``intel`` calls for on ``hosts`` (name -> CPEs)."""
        decisions = []
        for item in intel:
            rule = next((r for r in self.policy.rules if _matches(r.match, item)), None)
            if rule is None or item.cve not in self.catalogue.decoys:
                continue
            for host in self._targets(item, hosts):
                decisions.append(self._place(host, item.cve, rule, now))
        return decisions

    def _place(self, host: str, cve: str, rule: Rule, now: int) -> Decision:
        key, expires = (host, cve), now + rule.deploy.ttl
        current = self.placements.get(key)
        if current is not None:
            longer = max(current.expires, expires)
            self.placements[key] = Placement(host, cve, current.port, longer, current.rule)
            return Decision(host, cve, "extend", f"rule {rule.name}: expires at {expires}")
        if self.resting.get(key, 0) > now:
            return Decision(host, cve, "refused", f"cooldown until {self.resting[key]}")
        wanted = Placement(host, cve, rule.deploy.port, expires, rule.name)
        reason = self._overrun(host, cve)
        if reason is None:
            self.placements[key] = wanted
            self.deferred.pop(key, None)
            return Decision(host, cve, "deploy", f"rule {rule.name}: until {expires}")
        if self.policy.budget.over_budget == "refuse":
            return Decision(host, cve, "refused", reason)
        earlier = self.deferred.get(key)
        if earlier is not None and earlier.expires > expires:
            wanted = earlier
        self.deferred[key] = wanted
        return Decision(host, cve, "deferred", f"{reason}; deferred until room frees up "
                                               f"(at the latest {wanted.expires})")  # fmt: skip

    def _overrun(self, host: str, cve: str) -> str | None:
        """Why the budget has no room for ``cve``'s decoy on ``host`` (None: it has)."""
        placed = [(h, self.catalogue.decoys[c].cost) for h, c in self.placements]
        return overrun(self.policy.budget, placed, host, self.catalogue.decoys[cve].cost)

    def admit(self, now: int) -> list[Decision]:
        """Place the deferred decoys that now fit, in their order of arrival (those whose
        time ran out while deferred are dropped)."""
        decisions = []
        for key, wanted in list(self.deferred.items()):
            if wanted.expires <= now:
                del self.deferred[key]
                decisions.append(Decision(*key, "refused", "deferred past its TTL"))
            elif self._overrun(*key) is None:
                del self.deferred[key]
                self.placements[key] = wanted
                decisions.append(Decision(*key, "deploy", f"budget freed: rule {wanted.rule}: "
                                                          f"until {wanted.expires}"))  # fmt: skip
        return decisions

    def on_hit(self, host: str, cve: str, now: int) -> Decision | None:
        """Escalate on a hit: keep the decoy up ``extend_on_hit`` seconds at least (None
        when its rule does not, or it is no longer placed)."""
        current = self.placements.get((host, cve))
        rule = next((r for r in self.policy.rules if current and r.name == current.rule), None)
        if current is None or rule is None or not rule.deploy.extend_on_hit:
            return None
        expires = max(current.expires, now + rule.deploy.extend_on_hit)
        self.placements[(host, cve)] = Placement(host, cve, current.port, expires, rule.name)
        return Decision(host, cve, "extend", f"hit: kept up until {expires}")

    def expire(self, now: int) -> list[Placement]:
        """Drop the placements whose time is up (they rest their rule's cooldown)."""
        gone = [p for p in self.placements.values() if p.expires <= now]
        cooldowns = {r.name: r.deploy.cooldown for r in self.policy.rules}
        for p in gone:
            del self.placements[(p.host, p.cve)]
            self.resting[(p.host, p.cve)] = now + cooldowns.get(p.rule, 0)
        return gone
