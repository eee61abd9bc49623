"""The agent's files: its hosts' inventory and its placement policy, with the policy
used when none is given."""

from __future__ import annotations

from pathlib import Path

from threatmesh.honeypots.adapt import Budget, Deploy, Match, Policy, Rule, parse_policy
from threatmesh.honeypots.inventory import Host, parse_document
from threatmesh.model.errors import InvalidInput

__all__ = ["DEFAULT_POLICY", "backend_options", "load_hosts", "load_policy"]

#: Without a policy file: a decoy for every high or medium threat CVE with CVSS 7 or
#: more on a host's software, for an hour, resting ten minutes, five at most.
DEFAULT_POLICY = Policy(
    budget=Budget(max_decoys=5, max_per_host=3),
    rules=(Rule(name="default", match=Match(max_threat_level=2, min_cvss=7.0),
                deploy=Deploy(ttl=3600, cooldown=600)),),
)  # fmt: skip


def load_hosts(path: Path) -> list[Host]:
    """The hosts of an inventory file (YAML or JSON)."""
    return parse_document(path.read_text(encoding="utf-8"))


def load_policy(path: Path) -> Policy:
    """A placement policy file (YAML or JSON)."""
    return parse_policy(path.read_text(encoding="utf-8"))


def backend_options(pairs: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs as a backend's options: whole numbers as ints, ``true`` and
    ``false`` as booleans, the rest as strings."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise InvalidInput(f"--backend-option {pair!r}: KEY=VALUE")
        lowered = value.lower()
        if value.isdigit():
            out[key] = int(value)
        elif lowered in {"true", "false"}:
            out[key] = lowered == "true"
        else:
            out[key] = value
    return out
