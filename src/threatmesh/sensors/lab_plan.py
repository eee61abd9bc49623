"""Lab plans as data: which attack tools one lab run uses, in order, with what options.

A plan is a TOML file; the built-in plans (``day1``..``day4``, ``holdout``, ``smoke``) are
files in ``lab_plans/`` beside this module, and ``threatmesh lab run --plan FILE`` runs
any other. A new attack variant is a new file, not new code::

    description = "SYN flood, then a slow-headers attack"

    [[step]]
    label = "DoS-Hping"            # the class its flows get
    tool = "hping3"                # one of ATTACK_TOOLS
    args = ["-S", "-p", "80", "-i", "u1500", "-c", "{int:2000-3499}", "{target}"]
    limit = 60                     # optional: seconds, then the tool is stopped

Arguments are passed as they are (no shell), after their placeholders are filled in:
``{target}`` (the lab server's address), ``{work}`` (the run's work directory: the
password list is ``{work}/passwords.txt``), ``{choice:a|b}`` (one of the options, drawn
with the run's seed) and ``{int:lo-hi}`` (a whole number in [lo, hi], likewise).
Anything else is refused with the file, the step and what is wrong.
"""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatmesh.detection.schedule import BENIGN
from threatmesh.model.errors import InvalidInput

PLANS_DIR = Path(__file__).resolve().parent / "lab_plans"
#: The attack tools the lab installs (``make lab-tools``); a plan may name only these.
ATTACK_TOOLS = ("nmap", "hydra", "hping3", "slowhttptest", "dirb")
MAX_LIMIT_SECONDS = 600.0
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_INT_RANGE = re.compile(r"(\d+)-(\d+)")
_STEP_KEYS = {"label", "tool", "args", "limit"}
_PLAN_KEYS = {"description", "step"}


class PlanError(InvalidInput):
    """A lab plan that cannot run: its message names the file, the step and the fault."""

    name = "Invalid lab plan"


@dataclass(frozen=True)
class AttackStep:
    """One attack of a plan: ``tool`` with ``args``, its flows labelled ``label``."""

    label: str
    tool: str
    args: tuple[str, ...]
    limit: float | None = None

    def argv(self, target: str, work: Path, rng: random.Random) -> list[str]:
        """The command line, placeholders filled in (``timeout`` first if limited)."""
        args = [_fill(arg, target, work, rng) for arg in self.args]
        head = ["timeout", f"{self.limit:g}"] if self.limit is not None else []
        return [*head, self.tool, *args]


@dataclass(frozen=True)
class Plan:
    """A named list of attack steps."""

    name: str
    description: str
    steps: tuple[AttackStep, ...]


def _fill(arg: str, target: str, work: Path, rng: random.Random) -> str:
    def one(match: re.Match[str]) -> str:
        kind, _, spec = match.group(1).partition(":")
        if kind == "target":
            return target
        if kind == "work":
            return str(work)
        if kind == "choice":
            return str(rng.choice(spec.split("|")))
        low, high = (int(x) for x in spec.split("-"))
        return str(rng.randint(low, high))

    return _PLACEHOLDER.sub(one, arg)


def _placeholder_fault(body: str) -> str | None:
    """What is wrong with one ``{...}`` placeholder, or None."""
    kind, colon, spec = body.partition(":")
    if kind in {"target", "work"} and not colon:
        return None
    if kind == "choice" and spec and all(spec.split("|")):
        return None
    if kind == "int" and (m := _INT_RANGE.fullmatch(spec)) and int(m[1]) <= int(m[2]):
        return None
    return (
        f"unknown placeholder {{{body}}} (known: {{target}}, {{work}}, "
        "{choice:a|b}, {int:lo-hi} with lo <= hi)"
    )


def _step(raw: Any, where: str) -> AttackStep:
    if not isinstance(raw, dict):
        raise PlanError(f"{where}: a step is a table with label, tool and args")
    if unknown := sorted(set(raw) - _STEP_KEYS):
        raise PlanError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {_known(_STEP_KEYS)})"
        )
    label, tool, args = raw.get("label"), raw.get("tool"), raw.get("args", [])
    if not isinstance(label, str) or not label.strip() or label.strip().upper() == BENIGN:
        raise PlanError(f"{where}: label must name an attack class (not {BENIGN})")
    if tool not in ATTACK_TOOLS:
        raise PlanError(
            f"{where}: tool {tool!r} is not a lab attack tool ({', '.join(ATTACK_TOOLS)})"
        )
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise PlanError(f"{where}: args must be a list of strings")
    for arg in args:
        for body in _PLACEHOLDER.findall(arg):
            if fault := _placeholder_fault(body):
                raise PlanError(f"{where}: {fault}")
    limit = raw.get("limit")
    if limit is not None and (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or not 0 < limit <= MAX_LIMIT_SECONDS
    ):
        raise PlanError(f"{where}: limit must be seconds in (0, {MAX_LIMIT_SECONDS:g}]")
    return AttackStep(label.strip(), tool, tuple(args), None if limit is None else float(limit))


def _known(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def parse(text: str, name: str, source: str = "") -> Plan:
    """A plan from TOML ``text``; ``source`` (the file) is named in every error."""
    where = source or name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{where}: not valid TOML: {exc}") from None
    if unknown := sorted(set(data) - _PLAN_KEYS):
        raise PlanError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {_known(_PLAN_KEYS)})"
        )
    steps = data.get("step", [])
    if not isinstance(steps, list) or not steps:
        raise PlanError(f"{where}: a plan needs at least one [[step]]")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise PlanError(f"{where}: description must be a string")
    parsed = tuple(_step(raw, f"{where}, step {i}") for i, raw in enumerate(steps, 1))
    return Plan(name, description, parsed)


def load(path: Path) -> Plan:
    """The plan in a TOML file (named after the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read the plan: {exc}") from None
    return parse(text, path.stem, str(path))


def builtin_names() -> list[str]:
    """The built-in plans, by name."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.toml"))


def resolve(plan: str) -> Plan:
    """A built-in plan by name, or the plan in a file (a path ending in ``.toml``)."""
    if plan.endswith(".toml"):
        return load(Path(plan))
    if plan not in builtin_names():
        raise PlanError(
            f"unknown lab plan {plan!r}: give a plan file (.toml) or one of "
            f"{', '.join(builtin_names())}"
        )
    return load(PLANS_DIR / f"{plan}.toml")
