"""The risk model's coefficients, fitted to Di Tizio, Armellini and Massacci, "Software
Updates Strategies: a Quantitative Evaluation against Advanced Persistent Threats"
(IEEE TSE 49(3), 2023; 86 APT groups, 350 campaigns, 2008-2020).

Their findings used here:

- an enterprise that updates as soon as an update is released faces lower odds of being
  compromised than one waiting one month (4.9x) or three months (9.1x);
- if attacked, the immediate updater is still compromised 14% to 33% of the time.

Fitted from them:

- the patch-lag term ``a * ln(1 + d / tau)``: the two odds ratios fix both ``a`` and
  ``tau`` (solved below by bisection: ``a`` = 0.588, ``tau`` = 2.15 days). Odds grow fast
  in the first weeks and slowly after: 7.2x at two months, 14.9x at seven;
- the baseline and the APT weight: a host whose software has one critical CVE (CVSS 9.8,
  network, industrialised exploit) with a fix released today, i.e. an immediate updater
  that is attacked, is compromised with probability 0.14 when one APT actor or campaign
  is known to exploit that CVE and 0.33 when ten are: the paper's band, spread over how
  much the CVE is in use. That puts a host with nothing known against it at 2.6%.

Chosen, not fitted (no published figure): the weight of the vulnerabilities term, of
decoy hits (one fresh hit multiplies the odds by 1.74, ten by 6.8) and of anomalies (one
fresh anomaly of severity 1 doubles them), and the 30-day half-life of evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from threatmesh.honeypots.risk.cvss_vectors import AttackVector
from threatmesh.honeypots.risk.model import (
    ExploitMaturity,
    HostFacts,
    RiskModel,
    Vulnerability,
    logit,
)

__all__ = [
    "ATTACKED_RANGE",
    "CALIBRATED",
    "ODDS_RATIOS",
    "anchor_host",
    "calibrate",
    "fit_patch_lag",
]

#: (days late, odds of compromise relative to updating immediately).
ODDS_RATIOS = ((30.0, 4.9), (90.0, 9.1))
#: Compromised if attacked, updating immediately: (low, high).
ATTACKED_RANGE = (0.14, 0.33)
#: The number of APT actors/campaigns exploiting the anchor CVE at each end of the band.
ANCHOR_ACTORS = (1, 10)

W_VULNERABILITIES = 2.0
W_HITS = 0.8
W_DETECTIONS = 1.0


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of decreasing ``f`` in [lo, hi], on a log scale (100 halvings)."""
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return math.sqrt(lo * hi)


def fit_patch_lag(
    first: tuple[float, float] = ODDS_RATIOS[0], second: tuple[float, float] = ODDS_RATIOS[1]
) -> tuple[float, float]:
    """``(a, tau)`` such that ``(1 + d / tau) ** a`` is each given odds ratio at its
    lag ``d`` (days)."""
    (d1, r1), (d2, r2) = first, second
    target = math.log(r1) / math.log(r2)

    def excess(tau: float) -> float:
        return math.log1p(d1 / tau) / math.log1p(d2 / tau) - target

    tau = _bisect(excess, 1e-3, 1e6)
    return math.log(r1) / math.log1p(d1 / tau), tau


def anchor_host(actors: int, *, lag_days: float = 0.0, now: int = 0) -> HostFacts:
    """The calibration's attacked host: one critical, network-reachable CVE with an
    industrialised exploit, exploited by ``actors`` APT actors/campaigns, its fix
    released ``lag_days`` before ``now``."""
    users = frozenset(f"actor-{i}" for i in range(actors))
    vuln = Vulnerability(
        cve="CVE-0000-0001",
        software="cpe:2.3:a:anchor:server:1.0:*:*:*:*:*:*:*",
        cvss=9.8,
        attack_vector=AttackVector.NETWORK,
        exploit=ExploitMaturity.INDUSTRIALISED,
        fixed_at=now - round(lag_days * 86_400),
        apt_users=users,
    )
    return HostFacts(host="anchor", vulnerabilities=(vuln,))


def calibrate() -> RiskModel:
    """The model fitted to the paper's figures (see the module's docstring)."""
    exponent, scale = fit_patch_lag()
    partial = RiskModel(
        baseline=0.0,
        w_vulnerabilities=W_VULNERABILITIES,
        lag_exponent=exponent,
        lag_scale_days=scale,
        w_apt=0.0,
        w_hits=W_HITS,
        w_detections=W_DETECTIONS,
    )
    vuln = anchor_host(1).vulnerabilities[0]
    v_term = W_VULNERABILITIES * math.log1p(partial.weight(vuln))
    (n_low, n_high), (p_low, p_high) = ANCHOR_ACTORS, ATTACKED_RANGE
    w_apt = (logit(p_high) - logit(p_low)) / (math.log1p(n_high) - math.log1p(n_low))
    baseline = logit(p_low) - v_term - w_apt * math.log1p(n_low)
    return RiskModel(
        baseline=baseline,
        w_vulnerabilities=W_VULNERABILITIES,
        lag_exponent=exponent,
        lag_scale_days=scale,
        w_apt=w_apt,
        w_hits=W_HITS,
        w_detections=W_DETECTIONS,
    )


CALIBRATED = calibrate()
