"""The probability of compromise of a host (RoCe's role in the demonstrator), explained.

An additive log-odds model: the log-odds of compromise is a sum of terms, one per factor,
so the explanation is exact (the terms add up to the answer) and each term reads as an
odds ratio, ``exp(term)``::

    logit p = baseline
            + vulnerabilities  w_v * ln(1 + sum of the CVEs' weights)
            + patch_lag        a * ln(1 + worst lag / tau)
            + apt_campaigns    w_a * ln(1 + distinct APT actors and campaigns)
            + decoy_hits       w_h * ln(1 + decayed count of decoy hits)
            + detections       w_d * ln(1 + decayed sum of anomaly severities)

A CVE's weight is ``cvss/10 * attack vector * exploit maturity * source trust``. The
patch lag is the longest time the host has kept a vulnerable version since its fix was
available: a host that delays every update by ``d`` days has lag ``d``, which is what
Di Tizio, Armellini and Massacci measured (``calibration`` fits ``a`` and ``tau`` to
their odds ratios and the baseline and ``w_a`` to their 14-33% band). Evidence fades:
a hit or an anomaly counts ``2 ** (-age / half_life)``.

Every term is non-decreasing in its inputs, so more hits, more vulnerabilities, longer
lags, more APT use or more anomalies never lower the probability.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from threatmesh.honeypots.risk.cvss_vectors import AttackVector

__all__ = [
    "DAY",
    "Assessment",
    "Detection",
    "ExploitMaturity",
    "Factor",
    "Hit",
    "HostFacts",
    "Item",
    "RiskModel",
    "Vulnerability",
    "assess",
    "logit",
    "sigmoid",
]

DAY = 86_400


class ExploitMaturity(StrEnum):
    """How usable an exploit is: MISP's ``vulnerability:exploitability`` taxonomy."""

    UNKNOWN = "unknown"
    THEORETICAL = "theoretical"
    DOCUMENTED = "documented"
    CUSTOMISED = "customised"
    INDUSTRIALISED = "industrialised"


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """A CVE that affects software the host runs (the host still has a vulnerable
    version). ``fixed_at``: when a fix became available (epoch seconds; None: no fix yet,
    or unknown). ``apt_users``: APT actors and campaigns known to exploit it.
    ``source_trust``: the reputation score (0-1) of who reported it, None if unknown."""

    cve: str
    software: str = ""
    cvss: float | None = None
    attack_vector: AttackVector | None = None
    exploit: ExploitMaturity = ExploitMaturity.UNKNOWN
    fixed_at: int | None = None
    apt_users: frozenset[str] = frozenset()
    source_trust: float | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """An interaction with a decoy on the host (epoch second ``at``)."""

    at: int
    cve: str = ""
    attacker: str = ""


@dataclass(frozen=True, slots=True)
class Detection:
    """A host anomaly (HIDS) with its severity in [0, 1]."""

    at: int
    kind: str
    severity: float = 1.0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class HostFacts:
    """Everything the model knows about one host."""

    host: str
    vulnerabilities: tuple[Vulnerability, ...] = ()
    hits: tuple[Hit, ...] = ()
    detections: tuple[Detection, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskModel:
    """The coefficients (``calibration.CALIBRATED`` holds the fitted ones)."""

    baseline: float
    w_vulnerabilities: float
    lag_exponent: float
    lag_scale_days: float
    w_apt: float
    w_hits: float
    w_detections: float
    evidence_half_life_days: float = 30.0
    #: Weights of unknowns: an unknown score counts as a medium one, an unknown attack
    #: vector as the network (the cautious reading).
    unknown_cvss: float = 5.0
    attack_vector: dict[AttackVector | None, float] = field(
        default_factory=lambda: {
            AttackVector.NETWORK: 1.0,
            AttackVector.ADJACENT: 0.8,
            AttackVector.LOCAL: 0.55,
            AttackVector.PHYSICAL: 0.25,
            None: 1.0,
        }
    )
    exploit: dict[ExploitMaturity, float] = field(
        default_factory=lambda: {
            ExploitMaturity.UNKNOWN: 0.5,
            ExploitMaturity.THEORETICAL: 0.35,
            ExploitMaturity.DOCUMENTED: 0.7,
            ExploitMaturity.CUSTOMISED: 0.85,
            ExploitMaturity.INDUSTRIALISED: 1.0,
        }
    )

    def lag_term(self, days: float) -> float:
        """The patch-lag log-odds term for a lag of ``days`` (0 for no lag)."""
        return self.lag_exponent * math.log1p(max(days, 0.0) / self.lag_scale_days)

    def weight(self, v: Vulnerability) -> float:
        """A CVE's weight: severity x reachability x exploit maturity x source trust."""
        score = self.unknown_cvss if v.cvss is None else min(max(v.cvss, 0.0), 10.0)
        trust = 1.0 if v.source_trust is None else 0.5 + min(max(v.source_trust, 0.0), 1.0)
        return score / 10 * self.attack_vector[v.attack_vector] * self.exploit[v.exploit] * trust


@dataclass(frozen=True, slots=True)
class Item:
    """One element's share of a factor (a CVE, a kind of anomaly...): shares add up to
    the factor's term."""

    name: str
    log_odds: float
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Factor:
    """One term of the sum: its log-odds (``exp`` of it is its odds ratio)."""

    name: str
    log_odds: float
    detail: str
    items: tuple[Item, ...] = ()

    @property
    def odds_ratio(self) -> float:
        """How many times this factor multiplies the odds of compromise."""
        return math.exp(self.log_odds)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The answer: the probability and the factors whose terms add up to its log-odds."""

    host: str
    factors: tuple[Factor, ...]

    @property
    def log_odds(self) -> float:
        """The sum of the factors' terms."""
        return math.fsum(f.log_odds for f in self.factors)

    @property
    def probability(self) -> float:
        """The probability of compromise."""
        return sigmoid(self.log_odds)

    def factor(self, name: str) -> Factor:
        """The factor called ``name``."""
        return next(f for f in self.factors if f.name == name)

    def as_dict(self) -> dict[str, object]:
        """JSON form: the probability, the log-odds and each factor's term, odds ratio
        and items (rounded to 4 decimals: the figures are estimates)."""
        return {
            "host": self.host,
            "probability": round(self.probability, 4),
            "log_odds": round(self.log_odds, 4),
            "factors": [
                {
                    "factor": f.name,
                    "log_odds": round(f.log_odds, 4),
                    "odds_ratio": round(f.odds_ratio, 4),
                    "detail": f.detail,
                    "items": [
                        {"name": i.name, "log_odds": round(i.log_odds, 4), **i.detail}
                        for i in f.items
                    ],
                }
                for f in self.factors
            ],
        }


def sigmoid(x: float) -> float:
    """The logistic function, without overflow for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    """The log-odds of probability ``p`` (0 < p < 1)."""
    return math.log(p / (1.0 - p))


Weights = Sequence[tuple[str, float, Mapping[str, object]]]


def _split(term: float, weights: Weights) -> tuple[Item, ...]:
    """Share ``term`` among items in proportion to their weights."""
    total = math.fsum(w for _n, w, _d in weights)
    if total <= 0:
        return tuple(Item(n, 0.0, d) for n, _w, d in weights)
    return tuple(Item(n, term * w / total, d) for n, w, d in weights)


def _vulnerabilities(m: RiskModel, vulns: Sequence[Vulnerability]) -> Factor:
    weights = [
        (v.cve, m.weight(v), {"software": v.software, "cvss": v.cvss,
                              "attack_vector": v.attack_vector.value if v.attack_vector else None,
                              "exploit": v.exploit.value, "source_trust": v.source_trust})
        for v in vulns
    ]  # fmt: skip
    term = m.w_vulnerabilities * math.log1p(math.fsum(w for _c, w, _d in weights))
    detail = f"{len(vulns)} known vulnerabilit{'y' if len(vulns) == 1 else 'ies'} on its software"
    return Factor("vulnerabilities", term, detail, _split(term, weights))


def _patch_lag(m: RiskModel, vulns: Sequence[Vulnerability], now: int) -> Factor:
    lags = sorted(
        ((max((now - v.fixed_at) / DAY, 0.0), v) for v in vulns if v.fixed_at is not None),
        key=lambda lv: -lv[0],
    )
    if not lags:
        return Factor("patch_lag", 0.0, "no vulnerability with a known fix date")
    worst, worst_v = lags[0]
    term = m.lag_term(worst)
    # The whole term is the worst lag's: the other CVEs add nothing to it.
    items = tuple(
        Item(v.cve, term if i == 0 else 0.0, {"software": v.software, "days": round(days, 1)})
        for i, (days, v) in enumerate(lags)
    )
    detail = f"unpatched {worst:.0f} days after a fix was available ({worst_v.cve})"
    return Factor("patch_lag", term, detail, items)


def _apt(m: RiskModel, vulns: Sequence[Vulnerability]) -> Factor:
    actors = frozenset().union(*(v.apt_users for v in vulns)) if vulns else frozenset()
    term = m.w_apt * math.log1p(len(actors))
    weights = [(v.cve, float(len(v.apt_users)), {"actors": sorted(v.apt_users)})
               for v in vulns if v.apt_users]  # fmt: skip
    detail = f"{len(actors)} APT actor(s) or campaign(s) exploit these vulnerabilities"
    return Factor("apt_campaigns", term, detail, _split(term, weights))


def _decayed(m: RiskModel, at: int, now: int) -> float:
    return float(0.5 ** (max(now - at, 0) / (m.evidence_half_life_days * DAY)))


def _hits(m: RiskModel, hits: Sequence[Hit], now: int) -> Factor:
    per_cve: dict[str, float] = {}
    for h in hits:
        per_cve[h.cve or "-"] = per_cve.get(h.cve or "-", 0.0) + _decayed(m, h.at, now)
    total = math.fsum(per_cve.values())
    term = m.w_hits * math.log1p(total)
    weights = [(cve, w, {"weighted_hits": round(w, 3)}) for cve, w in sorted(per_cve.items())]
    detail = f"{len(hits)} decoy hit(s), {total:.2f} after ageing"
    return Factor("decoy_hits", term, detail, _split(term, weights))


def _detections(m: RiskModel, found: Sequence[Detection], now: int) -> Factor:
    per_kind: dict[str, float] = {}
    for d in found:
        weight = min(max(d.severity, 0.0), 1.0) * _decayed(m, d.at, now)
        per_kind[d.kind] = per_kind.get(d.kind, 0.0) + weight
    total = math.fsum(per_kind.values())
    term = m.w_detections * math.log1p(total)
    weights = [(k, w, {"weighted_severity": round(w, 3)}) for k, w in sorted(per_kind.items())]
    noun = "anomaly" if len(found) == 1 else "anomalies"
    detail = f"{len(found)} host {noun}, {total:.2f} after ageing"
    return Factor("detections", term, detail, _split(term, weights))


def assess(facts: HostFacts, model: RiskModel, *, now: int) -> Assessment:
    """The probability of compromise of ``facts.host`` at epoch second ``now``."""
    vulns = _unique(model, facts.vulnerabilities)
    return Assessment(
        facts.host,
        (
            Factor("baseline", model.baseline, "a monitored host with nothing known against it"),
            _vulnerabilities(model, vulns),
            _patch_lag(model, vulns, now),
            _apt(model, vulns),
            _hits(model, facts.hits, now),
            _detections(model, facts.detections, now),
        ),
    )


def _unique(m: RiskModel, vulns: Iterable[Vulnerability]) -> list[Vulnerability]:
    """One entry per (CVE, software). The same CVE reported twice counts once, each
    field at its most dangerous reading among the reports (so a second report never
    lowers the risk): the largest weight factors, the earliest fix, all APT users."""
    merged: dict[tuple[str, str], Vulnerability] = {}
    for v in vulns:
        key = (v.cve.upper(), v.software)
        old = merged.get(key)
        merged[key] = v if old is None else _merge(m, old, v)
    return [merged[k] for k in sorted(merged)]


def _merge(m: RiskModel, a: Vulnerability, b: Vulnerability) -> Vulnerability:
    def score(v: Vulnerability) -> float:
        return m.unknown_cvss if v.cvss is None else v.cvss

    def trust(v: Vulnerability) -> float:
        return 0.5 if v.source_trust is None else v.source_trust

    fixes = [f for f in (a.fixed_at, b.fixed_at) if f is not None]
    return Vulnerability(
        cve=a.cve,
        software=a.software,
        cvss=max(a, b, key=score).cvss,
        attack_vector=max(a, b, key=lambda v: m.attack_vector[v.attack_vector]).attack_vector,
        exploit=max(a, b, key=lambda v: m.exploit[v.exploit]).exploit,
        fixed_at=min(fixes) if fixes else None,
        apt_users=a.apt_users | b.apt_users,
        source_trust=max(a, b, key=trust).source_trust,
    )
