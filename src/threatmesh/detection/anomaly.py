"""A second, different detector: an anomaly detector that learns benign traffic only.

EBIDS is supervised: it knows the attacks its labels name. This one learns what benign
flows look like, on another view of the flow (log-scaled volumes, rates, timing and TCP
flags, no ports), and flags what is far from it, so it can flag an attack no label names
and contradict a supervised detector that fires on unusual but benign traffic.

The model is a Gaussian profile of the log-scaled features with a shrunk covariance
(a fixed share of the average variance added to the diagonal, so rare constant features
do not make it singular), scored by squared Mahalanobis distance. The distance becomes
a score in [0, 1] through the distances of the benign training flows themselves (their
empirical distribution, kept as 1,001 quantiles): a score of 0.99 means "further out than
99 % of benign traffic". Everything is plain numbers, stored as JSON (no pickle), so a
shared profile can be checked and loaded without running anything from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from threatmesh.detection.features import CIC_FEATURES

__all__ = ["VIEW", "BenignProfile"]

Matrix = npt.NDArray[np.float64]

#: The features this detector looks at (a view of the CICFlowMeter set without ports).
VIEW = (
    "Flow Duration", "Total Fwd Packets", "Total Backward Packets",
    "Total Length of Fwd Packets", "Total Length of Bwd Packets", "Fwd Packet Length Mean",
    "Bwd Packet Length Mean", "Flow Bytes/s", "Flow Packets/s", "Flow IAT Mean",
    "Flow IAT Max", "Fwd IAT Mean", "Bwd IAT Mean", "FIN Flag Count", "SYN Flag Count",
    "RST Flag Count", "PSH Flag Count", "ACK Flag Count", "Down/Up Ratio",
    "Average Packet Size", "Init_Win_bytes_forward", "Init_Win_bytes_backward",
    "act_data_pkt_fwd", "Active Mean", "Idle Mean",
)  # fmt: skip
_COLUMNS = [CIC_FEATURES.index(name) for name in VIEW]
#: Share of the mean variance added to the diagonal of the covariance.
SHRINK = 0.05
QUANTILES = np.linspace(0.0, 1.0, 1001)
KIND = "threatmesh-benign-profile"


def view(features: Matrix) -> Matrix:
    """The detector's view of CIC feature rows: its columns, log-scaled (negative and
    missing values, which CICFlowMeter writes for undefined statistics, count as 0)."""
    picked = np.nan_to_num(features[:, _COLUMNS], nan=0.0, posinf=0.0, neginf=0.0)
    return np.log1p(np.clip(picked, 0.0, None))


@dataclass(frozen=True)
class BenignProfile:
    """What benign flows look like, and how far out they go."""

    mean: Matrix
    precision: Matrix
    quantiles: Matrix
    trained_on: int

    @classmethod
    def fit(cls, benign: Matrix) -> BenignProfile:
        """Learn from benign CIC feature rows (at least as many rows as view columns)."""
        if len(benign) <= len(VIEW):
            raise ValueError(f"need more than {len(VIEW)} benign flows, got {len(benign)}")
        x = view(benign)
        mean = x.mean(axis=0)
        cov = np.cov(x, rowvar=False)
        cov += np.eye(len(VIEW)) * (SHRINK * float(np.trace(cov)) / len(VIEW) + 1e-6)
        precision: Matrix = np.linalg.inv(cov).astype(np.float64)
        centred = x - mean
        distances = np.einsum("ij,jk,ik->i", centred, precision, centred)
        return cls(mean, precision, np.quantile(distances, QUANTILES), len(benign))

    def distance(self, features: Matrix) -> Matrix:
        """Squared Mahalanobis distance of each row from the benign profile."""
        centred = view(features) - self.mean
        out: Matrix = np.einsum("ij,jk,ik->i", centred, self.precision, centred)
        return out

    def score(self, features: Matrix) -> Matrix:
        """Each row's share of benign training flows that were nearer (0..1)."""
        return np.interp(self.distance(features), self.quantiles, QUANTILES)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": KIND, "view": list(VIEW), "trained_on": self.trained_on,
            "mean": self.mean.tolist(), "precision": self.precision.tolist(),
            "quantiles": self.quantiles.tolist(),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenignProfile:
        """Read :meth:`to_dict` back, refusing a profile of another shape or view."""
        if data.get("kind") != KIND or data.get("view") != list(VIEW):
            raise ValueError("not a benign profile of this version (kind or feature view differ)")
        mean = np.asarray(data["mean"], dtype=np.float64)
        precision = np.asarray(data["precision"], dtype=np.float64)
        quantiles = np.asarray(data["quantiles"], dtype=np.float64)
        n = len(VIEW)
        if mean.shape != (n,) or precision.shape != (n, n) or quantiles.shape != QUANTILES.shape:
            raise ValueError("benign profile arrays have the wrong shapes")
        if not (np.isfinite(mean).all() and np.isfinite(precision).all()):
            raise ValueError("benign profile holds non-finite numbers")
        return cls(mean, precision, quantiles, int(data.get("trained_on", 0)))
