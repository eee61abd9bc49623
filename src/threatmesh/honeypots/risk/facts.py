"""What a MISP-compatible platform holds about a host, read into the risk model's inputs.

The contract with the inventory, decoy and HIDS sides is MISP data only, so it holds on
any MISP-compatible server (``docs/adaptive.md`` lists it):

- **inventory**: an event tagged ``threatmesh:inventory`` with a ``device`` object (its
  ``name`` is the host) and a ``cpe-asset`` object per installed product (``cpe``);
- **vulnerabilities**: any visible ``vulnerability`` attribute (a CVE). It applies to
  the host when a CPE named with it matches an installed one: its ``vulnerability``
  object's ``vulnerable-configuration``, or for a CVE outside an object the event's
  other ``cpe`` attributes; or when the ``knowledge`` the caller passes (the decoy
  catalogue) says so. CVSS from the object's ``cvss-score``/``cvss-string``; the fix
  date is its ``published`` (a vendor fix usually comes with the advisory); exploit
  maturity from ``vulnerability:exploitability``/``vulnerability:sighting`` tags and
  from the campaign index; APT users from the index and from the event's actor and
  campaign galaxy tags; source trust from ``Orgc.reputation.score``;
- **decoy hits**: sightings (type 0) on a ``vulnerability`` attribute whose ``source``
  is ``decoy@<host>``;
- **detections**: attributes tagged ``threatmesh:anomaly="<kind>"`` (severity in a
  ``threatmesh:severity="<0-1>"`` tag) in events tagged ``threatmesh:hids`` and
  ``threatmesh:host="<host>"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from threatmesh.honeypots.risk.campaigns import CampaignIndex
from threatmesh.honeypots.risk.cpe_match import cpe_applies
from threatmesh.honeypots.risk.cvss_vectors import AttackVector, parse_vector
from threatmesh.honeypots.risk.model import (
    Detection,
    ExploitMaturity,
    Hit,
    HostFacts,
    Vulnerability,
)
from threatmesh.model.errors import InvalidInput

__all__ = [
    "ACTOR_GALAXY_TYPES",
    "CveKnowledge",
    "CveReport",
    "Inventory",
    "cve_reports",
    "decoy_source",
    "detections_in",
    "hits_in",
    "host_facts",
    "host_tag",
    "inventory_of",
]

INVENTORY_TAG = "threatmesh:inventory"
HIDS_TAG = "threatmesh:hids"
ANOMALY_TAG_PREFIX = 'threatmesh:anomaly="'
SEVERITY_TAG_PREFIX = 'threatmesh:severity="'
#: Galaxy types whose clusters are APT actors or campaigns.
ACTOR_GALAXY_TYPES = (
    "threat-actor", "mitre-intrusion-set", "mitre-enterprise-attack-intrusion-set",
    "tidal-groups", "tidal-campaigns", "microsoft-activity-group", "360net",
)  # fmt: skip
_MATURITY_TAGS = {
    'vulnerability:exploitability="industrialised"': ExploitMaturity.INDUSTRIALISED,
    'vulnerability:exploitability="customised"': ExploitMaturity.CUSTOMISED,
    'vulnerability:exploitability="documented"': ExploitMaturity.DOCUMENTED,
    'vulnerability:exploitability="theoretical"': ExploitMaturity.THEORETICAL,
    'vulnerability:sighting="exploited"': ExploitMaturity.INDUSTRIALISED,
    'vulnerability:sighting="published-proof-of-concept"': ExploitMaturity.DOCUMENTED,
    'vulnerability:information="PoC"': ExploitMaturity.DOCUMENTED,
}
_ORDER = list(ExploitMaturity)

#: (vulnerable CPE pattern, installed CPE) -> whether the pattern names the product.
Matcher = Callable[[str, str], bool]


class CveKnowledge(Protocol):
    """What is known of CVEs beyond the platform (the decoy catalogue: which products a
    CVE affects, its CVSS): the CVEs it knows, and what it says of one."""

    def cves(self) -> Iterable[str]:
        """The CVEs it knows."""
        ...

    def about(self, cve: str) -> CveReport | None:
        """What it says of ``cve`` (None if it does not know it)."""
        ...


def host_tag(host: str) -> str:
    """The tag of events about ``host`` (hits, anomalies)."""
    return f'threatmesh:host="{host}"'


def decoy_source(host: str) -> str:
    """The ``source`` of a sighting that a decoy on ``host`` recorded."""
    return f"decoy@{host}"


@dataclass(frozen=True, slots=True)
class Inventory:
    """A host and the CPE names of what it runs."""

    host: str
    cpes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CveReport:
    """One report of a CVE: the CPE names it comes with and what it says of it."""

    cve: str
    cpes: tuple[str, ...] = ()
    cvss: float | None = None
    attack_vector: AttackVector | None = None
    exploit: ExploitMaturity = ExploitMaturity.UNKNOWN
    published: int | None = None
    actors: frozenset[str] = field(default_factory=frozenset)
    source_trust: float | None = None


def _event(data: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = data.get("Event")
    return inner if isinstance(inner, Mapping) else data


def _live(items: Any) -> list[Mapping[str, Any]]:
    return [
        i for i in items or []
        if isinstance(i, Mapping) and str(i.get("deleted", "0")).lower() in {"0", "false", ""}
    ]  # fmt: skip


def _tags(item: Mapping[str, Any]) -> list[str]:
    out = []
    for tag in item.get("Tag") or []:
        inner = tag.get("Tag", tag) if isinstance(tag, Mapping) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            out.append(inner["name"])
    return out


def _attributes(
    event: Mapping[str, Any],
) -> Iterator[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]:
    """``(object or None, attribute)`` for every live attribute of the event."""
    for a in _live(event.get("Attribute")):
        yield None, a
    for obj in _live(event.get("Object")):
        for a in _live(obj.get("Attribute")):
            yield obj, a


def inventory_of(data: Mapping[str, Any]) -> Inventory | None:
    """The host an inventory event describes (None if the event is not one)."""
    event = _event(data)
    if INVENTORY_TAG not in _tags(event):
        return None
    host, cpes = None, []
    for obj, a in _attributes(event):
        name = obj.get("name") if obj is not None else None
        if name == "device" and a.get("object_relation") == "name":
            host = str(a.get("value"))
        elif a.get("type") == "cpe" and name in {"cpe-asset", "software", None}:
            cpes.append(str(a.get("value")))
    return None if host is None else Inventory(host, tuple(dict.fromkeys(cpes)))


def _when(raw: Any) -> int | None:
    """Epoch seconds of an ISO 8601 date or datetime (MISP's ``datetime`` values)."""
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(raw).strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _maturity(tags: Iterable[str], vector_e: str = "") -> ExploitMaturity:
    found = [_MATURITY_TAGS[t] for t in tags if t in _MATURITY_TAGS]
    found.append(_VECTOR_MATURITY.get(vector_e.upper(), ExploitMaturity.UNKNOWN))
    return max(found, key=_ORDER.index)


#: CVSS's Exploit Code Maturity (``E``): v2 U/POC/F/H, v3 U/P/F/H, v4 U/P/A.
_VECTOR_MATURITY = {
    "U": ExploitMaturity.THEORETICAL,
    "P": ExploitMaturity.DOCUMENTED,
    "POC": ExploitMaturity.DOCUMENTED,
    "F": ExploitMaturity.CUSTOMISED,
    "H": ExploitMaturity.INDUSTRIALISED,
    "A": ExploitMaturity.INDUSTRIALISED,
}


def _actors(tags: Iterable[str]) -> frozenset[str]:
    out = set()
    for tag in tags:
        kind, sep, value = tag.removeprefix("misp-galaxy:").partition('="')
        if tag.startswith("misp-galaxy:") and sep and kind in ACTOR_GALAXY_TYPES:
            out.add(value.removesuffix('"'))
    return frozenset(out)


def _trust(event: Mapping[str, Any]) -> float | None:
    orgc = event.get("Orgc")
    reputation = orgc.get("reputation") if isinstance(orgc, Mapping) else None
    score = reputation.get("score") if isinstance(reputation, Mapping) else None
    return float(score) if isinstance(score, int | float) else None


def _score(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if 0.0 <= value <= 10.0 else None


@dataclass(frozen=True, slots=True)
class _Context:
    """What an event says of every CVE in it: its tags and its source's trust."""

    tags: tuple[str, ...]
    trust: float | None


def _from_object(obj: Mapping[str, Any], context: _Context) -> list[CveReport]:
    rel: dict[str, list[Mapping[str, Any]]] = {}
    for a in _live(obj.get("Attribute")):
        rel.setdefault(str(a.get("object_relation")), []).append(a)
    vector = None
    for a in rel.get("cvss-string", []):
        try:
            vector = parse_vector(str(a.get("value")))
        except InvalidInput:
            continue
    score = next((s for a in rel.get("cvss-score", []) if (s := _score(a.get("value")))), None)
    if score is None and vector is not None:
        score = vector.base_score
    cpes = tuple(str(a.get("value")) for a in rel.get("vulnerable-configuration", []))
    published = next((w for a in rel.get("published", []) if (w := _when(a.get("value")))), None)
    out = []
    for a in rel.get("id", []):
        tags = [*context.tags, *_tags(a)]
        out.append(
            CveReport(
                cve=str(a.get("value")).upper(), cpes=cpes, cvss=score,
                attack_vector=vector.attack_vector if vector else None,
                exploit=_maturity(tags, vector.exploit if vector else ""),
                published=published, actors=_actors(tags), source_trust=context.trust,
            )
        )  # fmt: skip
    return out


def cve_reports(data: Mapping[str, Any]) -> list[CveReport]:
    """The CVEs an event reports, each with what the event says of it."""
    event = _event(data)
    context = _Context(tuple(_tags(event)), _trust(event))
    loose_cpes = tuple(
        str(a.get("value"))
        for obj, a in _attributes(event)
        if obj is None and a.get("type") == "cpe"
    )
    out: list[CveReport] = []
    for obj in _live(event.get("Object")):
        if obj.get("name") == "vulnerability":
            out.extend(_from_object(obj, context))
    for a in _live(event.get("Attribute")):
        if a.get("type") == "vulnerability":
            tags = [*context.tags, *_tags(a)]
            out.append(
                CveReport(
                    cve=str(a.get("value")).upper(), cpes=loose_cpes, exploit=_maturity(tags),
                    actors=_actors(tags), source_trust=context.trust,
                )
            )  # fmt: skip
    return out


def hits_in(data: Mapping[str, Any], host: str) -> list[Hit]:
    """Decoy hits on ``host``: its decoys' sightings on the event's CVE attributes."""
    source = decoy_source(host)
    out = []
    for _obj, a in _attributes(_event(data)):
        if a.get("type") != "vulnerability":
            continue
        for s in a.get("Sighting") or []:
            if str(s.get("source")) == source and str(s.get("type", "0")) == "0":
                out.append(Hit(int(s.get("date_sighting") or 0), str(a.get("value")).upper()))
    return out


def detections_in(data: Mapping[str, Any], host: str) -> list[Detection]:
    """The anomalies the HIDS of ``host`` reported in this event (none if the event is
    not a HIDS report about ``host``)."""
    event = _event(data)
    tags = _tags(event)
    if HIDS_TAG not in tags or host_tag(host) not in tags:
        return []
    out = []
    for _obj, a in _attributes(event):
        own = _tags(a)
        # One attribute per subject: each kind tag on it is one anomaly.
        kinds = [t[len(ANOMALY_TAG_PREFIX) : -1] for t in own if t.startswith(ANOMALY_TAG_PREFIX)]
        raw = next((t[len(SEVERITY_TAG_PREFIX) : -1] for t in own
                    if t.startswith(SEVERITY_TAG_PREFIX)), "1")  # fmt: skip
        severity = _score(raw)
        at = int(a.get("timestamp") or 0)
        out += [Detection(at, kind, 1.0 if severity is None else min(severity, 1.0),
                          str(a.get("comment") or "")) for kind in kinds]  # fmt: skip
    return out


def _applicable(report: CveReport, installed: Sequence[str], matcher: Matcher) -> list[str]:
    return [c for c in installed if any(matcher(p, c) for p in report.cpes)]


def _exploit(report: CveReport, index: CampaignIndex) -> ExploitMaturity:
    """The report's maturity, raised by what the campaign index knows: exploited by
    malware in the wild is industrialised, by APT actors only customised."""
    known = ExploitMaturity.UNKNOWN
    if any(u.kind == "malware" for u in index.uses(report.cve)):
        known = ExploitMaturity.INDUSTRIALISED
    elif index.uses(report.cve):
        known = ExploitMaturity.CUSTOMISED
    return max(report.exploit, known, key=_ORDER.index)


def host_facts(
    host: str,
    events: Iterable[Mapping[str, Any]],
    *,
    index: CampaignIndex,
    matcher: Matcher = cpe_applies,
    knowledge: CveKnowledge | None = None,
) -> HostFacts:
    """What ``events`` (MISP JSON, as ``events/view`` gives them) say about ``host``.

    ``knowledge``: what the caller knows of a CVE beyond the platform (the decoy
    catalogue's CPE applicability and CVSS), merged into each report of it."""
    events = [_event(e) for e in events]
    installed: list[str] = []
    for e in events:
        inv = inventory_of(e)
        if inv is not None and inv.host == host:
            installed.extend(inv.cpes)
    vulns, hits, found = [], [], []
    for e in events:
        for report in cve_reports(e):
            extra = knowledge.about(report.cve) if knowledge else None
            if extra is not None:
                report = _merged(report, extra)
            affected = _applicable(report, installed, matcher)
            if affected:
                vulns.append(_vulnerability(report, affected[0], index))
        hits.extend(hits_in(e, host))
        found.extend(detections_in(e, host))
    return HostFacts(host, tuple(vulns), tuple(hits), tuple(found))


def _merged(report: CveReport, extra: CveReport) -> CveReport:
    return CveReport(
        cve=report.cve,
        cpes=(*report.cpes, *extra.cpes),
        cvss=report.cvss if report.cvss is not None else extra.cvss,
        attack_vector=report.attack_vector or extra.attack_vector,
        exploit=max(report.exploit, extra.exploit, key=_ORDER.index),
        published=report.published if report.published is not None else extra.published,
        actors=report.actors | extra.actors,
        source_trust=report.source_trust,
    )


def _vulnerability(report: CveReport, software: str, index: CampaignIndex) -> Vulnerability:
    return Vulnerability(
        cve=report.cve,
        software=software,
        cvss=report.cvss,
        attack_vector=report.attack_vector,
        exploit=_exploit(report, index),
        fixed_at=report.published,
        apt_users=report.actors | index.apt_users(report.cve),
        source_trust=report.source_trust,
    )
