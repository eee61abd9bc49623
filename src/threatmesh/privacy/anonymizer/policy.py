"""The policy language: ordered rules, each a match and a technique with parameters.

A policy is YAML or JSON, validated against pydantic models (``Policy.model_json_schema()``
is its JSON Schema). Every error names the rule (index and name) and the field::

    name: partner-sharing
    rules:
      - name: addresses
        match: {kinds: [ip]}
        technique: cryptopan
      - name: people
        match: {types: [email-src, target-user]}
        technique: pseudonymise
        params: {keep_domain: true}
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from threatmesh.model.validation.describe_types import attribute_types
from threatmesh.privacy.anonymizer import kinds, techniques
from threatmesh.privacy.anonymizer.errors import MissingExtra, PolicyError, UnknownTechnique
from threatmesh.privacy.anonymizer.technique import TECHNIQUES, Technique

assert techniques.__all__  # registers the built-in techniques


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """What a rule applies to; every criterion given must hold (absent ones always do).

    Lists match any of their entries; ``tags`` and ``paths`` are shell patterns
    (``tlp:*``, ``Event.Attribute.comment``, ``Event.*.comment``).
    """

    types: list[str] | None = None
    kinds: list[str] | None = None
    categories: list[str] | None = None
    object_names: list[str] | None = None
    object_relations: list[str] | None = None
    tags: list[str] | None = None
    paths: list[str] | None = None
    value_regex: str | None = None

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - attribute_types())
        if unknown:
            raise ValueError(f"unknown MISP attribute types {unknown}")
        return value

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - kinds.ALL_KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; known: {sorted(kinds.ALL_KINDS)}")
        return value

    @field_validator("value_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    def is_general(self) -> bool:
        """True when only ``types``/``kinds`` restrict it (it speaks for a whole kind)."""
        return not any(
            (
                self.categories,
                self.object_names,
                self.object_relations,
                self.tags,
                self.paths,
                self.value_regex,
            )
        )


class Rule(_Strict):
    """One rule: apply ``technique`` with ``params`` to what ``match`` selects."""

    name: str | None = Field(default=None, max_length=255)
    match: Match = Field(default_factory=Match)
    technique: str
    params: dict[str, Any] = Field(default_factory=dict)


class Policy(_Strict):
    """An anonymization policy document."""

    name: str = Field(min_length=1, max_length=255)
    description: str = ""
    version: Literal[1] = 1
    rules: list[Rule] = Field(default_factory=list, max_length=1000)
    #: What happens to attributes no rule matched.
    unmatched_attributes: Literal["keep", "drop"] = "keep"
    #: What happens to a protected (CP-ABE sealed) value, which no technique can read:
    #: ``suppress`` (the default) drops the attribute, ``pass`` lets the envelope leave
    #: as it is, for the readers its own CP-ABE policy names.
    protected_values: Literal["suppress", "pass"] = "suppress"
    #: Epsilon granted to a recipient that has no budget of its own yet.
    default_budget: float = Field(default=1.0, ge=0)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A validated rule with its technique class and parsed parameters."""

    index: int
    rule: Rule
    technique: type[Technique]
    params: Any
    regex: re.Pattern[str] | None

    @property
    def label(self) -> str:
        """``rules[2] 'emails'``: how errors and reports name the rule."""
        return f"rules[{self.index}]" + (f" {self.rule.name!r}" if self.rule.name else "")

    def matches(
        self,
        *,
        path: str,
        misp_type: str | None,
        kind: str,
        category: str | None,
        object_name: str | None,
        relation: str | None,
        tags: frozenset[str],
        value: str,
    ) -> bool:
        """Whether every criterion of the rule holds for this field."""
        m = self.rule.match
        return (
            (m.types is None or misp_type in m.types)
            and (m.kinds is None or kind in m.kinds)
            and (m.categories is None or category in m.categories)
            and (m.object_names is None or object_name in m.object_names)
            and (m.object_relations is None or relation in m.object_relations)
            and (m.paths is None or any(fnmatch.fnmatchcase(path, p) for p in m.paths))
            and (m.tags is None or any(fnmatch.filter(tags, t) for t in m.tags))
            and (self.regex is None or self.regex.search(value) is not None)
        )


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A policy ready to run."""

    policy: Policy
    rules: tuple[CompiledRule, ...]


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        name = None
        rules = raw.get("rules") if isinstance(raw, dict) else None
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            name = rules[loc[1]].get("name")
        head = f"rules[{loc[1]}]" + (f" {name!r}" if name else "")
        rest = ".".join(str(p) for p in loc[2:])
        return f"{head}: {rest}" if rest else head
    return ".".join(str(p) for p in loc) or "policy"


def _errors(exc: ValidationError, raw: Any, prefix: str = "") -> PolicyError:
    parts = [
        f"{prefix}{_where(tuple(e['loc']), raw)}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    ]
    return PolicyError("; ".join(parts))


def _check_applies(cr: CompiledRule) -> None:
    tech, m = cr.technique, cr.rule.match
    for kind in m.kinds or ():
        if kind not in tech.kinds:
            raise PolicyError(
                f"{cr.label}: match.kinds: technique {tech.name!r} does not apply to {kind!r} "
                f"values (it applies to {sorted(tech.kinds)})"
            )
    for t in m.types or ():
        if not set(kinds.part_kinds(t)) & tech.kinds:
            raise PolicyError(
                f"{cr.label}: match.types: technique {tech.name!r} does not apply to attribute "
                f"type {t!r} (it applies to {sorted(tech.kinds)} values)"
            )


def _compile_rule(index: int, rule: Rule) -> CompiledRule:
    label = f"rules[{index}]" + (f" {rule.name!r}" if rule.name else "")
    if rule.technique not in TECHNIQUES:
        raise UnknownTechnique(
            f"{label}: technique: unknown technique {rule.technique!r}; "
            f"known: {', '.join(sorted(TECHNIQUES))}"
        )
    tech = TECHNIQUES[rule.technique]
    try:
        params = tech.Params.model_validate(rule.params)
    except ValidationError as exc:
        where = "; ".join(
            f"{label}: params.{'.'.join(str(p) for p in e['loc']) or '(all)'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise PolicyError(where) from None
    regex = re.compile(rule.match.value_regex) if rule.match.value_regex else None
    compiled = CompiledRule(index, rule, tech, params, regex)
    _check_applies(compiled)
    return compiled


def compile_policy(raw: Any) -> CompiledPolicy:
    """Validate a policy given as a dict (parsed JSON or YAML); :class:`PolicyError`
    names the rule and the field of the first problems found."""
    if isinstance(raw, Policy):
        policy = raw
    else:
        if not isinstance(raw, dict):
            raise PolicyError("policy: expected an object with 'name' and 'rules'")
        try:
            policy = Policy.model_validate(raw)
        except ValidationError as exc:
            raise _errors(exc, raw) from None
    return CompiledPolicy(policy, tuple(_compile_rule(i, r) for i, r in enumerate(policy.rules)))


def parse_policy(text: str | bytes) -> CompiledPolicy:
    """A policy from YAML or JSON text (JSON is YAML, but parsed as JSON when it is)."""
    try:
        raw = json.loads(text)
    except ValueError:
        try:
            import yaml
        except ImportError:
            raise MissingExtra("pyyaml") from None
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"policy: neither JSON nor YAML: {exc}") from None
    return compile_policy(raw)


def schema() -> dict[str, Any]:
    """The JSON Schema of a policy document."""
    return Policy.model_json_schema()
