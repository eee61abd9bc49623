"""The agent's files: its hosts' inventory and its placement policy, with the policy
used when none is given."""

from __future__ import annotations

from pathlib import Path

from threatmesh.honeypots.adapt import Budget, Deploy, Match, Policy, Rule, parse_policy
from threatmesh.honeypots.inventory import Host, parse_document

__all__ = ["DEFAULT_POLICY", "load_hosts", "load_policy"]

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
