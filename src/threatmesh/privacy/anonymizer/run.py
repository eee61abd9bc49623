"""One anonymization run: the policies that apply, in order, and what they changed.

A run usually has one policy. When several apply to one recipient (a policy bound to
a server connection and another bound to its organisation), every field is matched
against each policy's rules *on the original event*, as that policy alone would match
it, and the techniques selected are applied in turn, policy after policy, each on the
previous one's output: a field any of them suppresses does not leave, and what leaves
is computed from what the first policy alone would release. Each policy runs with its
own keys, so each keeps its own pseudonyms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import methodcaller
from typing import TypeVar

from threatmesh.model.errors import ThreatmeshError
from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.errors import TechniqueMismatch
from threatmesh.privacy.anonymizer.policy import CompiledPolicy, CompiledRule
from threatmesh.privacy.anonymizer.report import Change, Report
from threatmesh.privacy.anonymizer.technique import TECHNIQUES, Context, Technique
from threatmesh.privacy.anonymizer.where import Where

#: The technique a free-text entity gets when no general rule covers its kind.
_FALLBACK = {kinds.IP: "cryptopan"}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Layer:
    """One policy of a run, with its own keys and random source."""

    policy: CompiledPolicy
    ctx: Context


def first_rule(
    policy: CompiledPolicy, where: Where, value: str, siblings: tuple[str, ...] = ()
) -> CompiledRule | None:
    """The first rule of ``policy`` that applies to ``where``; :class:`TechniqueMismatch`
    when a rule selects an attribute value its technique cannot transform."""
    for rule in policy.rules:
        if not rule.matches(
            path=where.key,
            misp_type=where.misp_type,
            kind=where.kind,
            category=where.category,
            object_name=where.object_name,
            relation=where.relation,
            tags=where.tags,
            value=value,
        ):
            continue
        kinds_ok = rule.technique.kinds
        if where.kind in kinds_ok:
            return rule
        if where.misp_type is None or set(siblings) & kinds_ok:
            continue  # a broad rule passes over fields it has no business with
        raise TechniqueMismatch(
            f"{rule.label}: technique {rule.technique.name!r} cannot transform {where.path} "
            f"(type {where.misp_type!r}, a {where.kind} value); it applies to "
            f"{sorted(kinds_ok)}: restrict the rule with match.types or match.kinds"
        )
    return None


class Run:
    """One anonymization of one event under one or more policies (:class:`Layer`)."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        if not layers:
            raise ValueError("an anonymization run needs at least one policy")
        self.layers = tuple(layers)
        self.report = Report()
        self._techniques: dict[tuple[int, int], Technique] = {}
        self._entities: dict[tuple[int, str, str], str] = {}
        for n, layer in enumerate(self.layers):
            layer.ctx.entity = functools.partial(self.entity, n)

    @property
    def passes_protected(self) -> bool:
        """Whether a protected value may leave: only if every policy says ``pass``."""
        return all(la.policy.policy.protected_values == "pass" for la in self.layers)

    @property
    def dropping(self) -> frozenset[int]:
        """The policies whose unmatched attributes do not leave."""
        return frozenset(
            n for n, la in enumerate(self.layers) if la.policy.policy.unmatched_attributes == "drop"
        )

    def label(self, n: int, rule_label: str) -> str:
        """How reports and errors name a rule (with its policy when there are several)."""
        if len(self.layers) == 1:
            return rule_label
        return f"{self.layers[n].policy.policy.name}: {rule_label}"

    def technique(self, n: int, rule: CompiledRule) -> Technique:
        """The technique instance of policy ``n``'s ``rule`` (built once per run)."""
        key = (n, rule.index)
        tech = self._techniques.get(key)
        if tech is None:
            tech = self._techniques[key] = rule.technique(rule.params, self.layers[n].ctx)
        return tech

    def rules_for(
        self, where: Where, value: str, siblings: tuple[str, ...] = ()
    ) -> list[tuple[int, CompiledRule]]:
        """Each policy's first rule for ``where`` (policies without one left out)."""
        found = []
        for n, layer in enumerate(self.layers):
            rule = first_rule(layer.policy, where, value, siblings)
            if rule is not None:
                found.append((n, rule))
        return found

    def call(self, n: int, rule: CompiledRule, path: str, step: Callable[[Technique], T]) -> T:
        """Run one technique step; a technique that fails on a value it was given (a
        plugin's bug, a value of an unexpected shape) becomes a :class:`TechniqueMismatch`
        naming the rule and the field, never an unexplained crash."""
        try:
            return step(self.technique(n, rule))
        except ThreatmeshError:
            raise
        except Exception as exc:
            raise TechniqueMismatch(
                f"{self.label(n, rule.label)}: technique {rule.technique.name!r} could not "
                f"process {path}: {exc.__class__.__name__}: {str(exc)[:200]}"
            ) from exc

    def note(self, n: int, rule: CompiledRule, path: str, before: object, after: object) -> None:
        """Record a change made by policy ``n``'s ``rule`` (nothing if nothing changed)."""
        if after != before:
            label = self.label(n, rule.label)
            self.report.changes.append(Change(label, rule.technique.name, path, before, after))

    def apply(
        self, where: Where, value: str, siblings: tuple[str, ...] = ()
    ) -> tuple[frozenset[int], str | None]:
        """``(policies that matched, new value or None if suppressed)`` for one string."""
        hits = self.rules_for(where, value, siblings)
        out: str | None = value
        for n, rule in hits:
            before = out
            assert before is not None
            out = self.call(n, rule, where.path, methodcaller("value", before, where.kind))
            self.note(n, rule, where.path, before, out)
            if out is None:
                break
        return frozenset(n for n, _ in hits), out

    def number(self, where: Where, value: float) -> float:
        """A count after each policy's first rule for it (noise), or unchanged."""
        out = value
        for n, rule in self.rules_for(where, str(value)):
            before = out
            out = self.call(n, rule, where.path, methodcaller("number", before))
            self.note(n, rule, where.path, before, out)
        return out

    def epsilon_spent(self) -> float:
        """The epsilon every policy's noise has spent so far."""
        return sum(la.ctx.epsilon_spent for la in self.layers)

    def entity(self, n: int, kind: str, value: str) -> str:
        """What policy ``n`` makes of an entity of ``kind`` found in free text: what its
        first general rule for that kind does to a structured value."""
        key = (n, kind, value)
        if key not in self._entities:
            self._entities[key] = self._entity(n, kind, value)
        return self._entities[key]

    def _entity(self, n: int, kind: str, value: str) -> str:
        layer = self.layers[n]
        for rule in layer.policy.rules:
            m = rule.rule.match
            by_type = m.types is None or bool(set(m.types) & kinds.TYPES_OF_KIND.get(kind, set()))
            by_kind = m.kinds is None or kind in m.kinds
            if m.is_general() and by_type and by_kind and kind in rule.technique.kinds:
                out = self.technique(n, rule).value(value, kind)
                return f"[{kind}]" if out is None else out
        name = _FALLBACK.get(kind, "pseudonymise")
        tech = TECHNIQUES[name]
        out = tech(tech.Params(), layer.ctx).value(value, kind)
        return f"[{kind}]" if out is None else out
