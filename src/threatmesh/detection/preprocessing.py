"""EBIDS preprocessing: drop three features, one-hot the port type, min-max scale.

As the EBIDS code does: ``Destination Port``, ``Flow Bytes/s`` and ``Flow Packets/s`` are
dropped (the port survives only as its type: well-known < 1024, registered < 49152,
dynamic), and every feature is scaled to [0, 1] with minima and maxima fitted over all
chunks. Values outside the fitted range are clipped, so the extended-input transform
(powers, roots, logs) always sees [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from threatmesh.detection.batch import Matrix
from threatmesh.detection.features import CIC_FEATURES

DROPPED = ("Destination Port", "Flow Bytes/s", "Flow Packets/s")
PORT_TYPES = ("port_well_known", "port_registered", "port_dynamic")
_PORT = CIC_FEATURES.index("Destination Port")
_KEPT = [i for i, name in enumerate(CIC_FEATURES) if name not in DROPPED]


def port_type(ports: Matrix) -> Matrix:
    """One-hot port type of each destination port."""
    out = np.zeros((len(ports), 3))
    out[np.arange(len(ports)), np.digitize(ports, [1024, 49152])] = 1.0
    return out


class Preprocessor:
    """Min-max scaling fitted on chunks, scikit-learn style (learned state ends in ``_``)."""

    def __init__(self) -> None:
        self.min_: Matrix | None = None
        self.max_: Matrix | None = None

    @property
    def names(self) -> list[str]:
        """Column names of the transformed matrix."""
        return [CIC_FEATURES[i] for i in _KEPT] + list(PORT_TYPES)

    @property
    def width(self) -> int:
        """Columns after transformation."""
        return len(_KEPT) + len(PORT_TYPES)

    def fit(self, chunks: Iterable[Matrix]) -> Preprocessor:
        """Fit minima and maxima over every chunk (CIC feature matrices)."""
        lows, highs = [], []
        for chunk in chunks:
            kept = np.nan_to_num(chunk[:, _KEPT], posinf=0.0, neginf=0.0)
            lows.append(kept.min(axis=0))
            highs.append(kept.max(axis=0))
        if not lows:
            raise ValueError("cannot fit preprocessing on no data")
        self.min_ = np.min(lows, axis=0)
        self.max_ = np.max(highs, axis=0)
        return self

    def transform(self, features: Matrix) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Scaled features plus the port-type one-hot, as float32."""
        if self.min_ is None or self.max_ is None:
            raise ValueError("preprocessing is not fitted")
        kept = np.nan_to_num(features[:, _KEPT], posinf=0.0, neginf=0.0)
        span = np.where(self.max_ > self.min_, self.max_ - self.min_, 1.0)
        scaled = np.clip((kept - self.min_) / span, 0.0, 1.0)
        return np.hstack([scaled, port_type(features[:, _PORT])]).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fitted state."""
        if self.min_ is None or self.max_ is None:
            raise ValueError("preprocessing is not fitted")
        return {
            "dropped": list(DROPPED),
            "names": self.names,
            "min": self.min_.tolist(),
            "max": self.max_.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessor:
        """Read back :meth:`to_dict`; the feature names must be ours."""
        pre = cls()
        if data.get("names") != pre.names:
            raise ValueError("preprocessing was fitted on a different feature set")
        pre.min_ = np.array(data["min"], dtype=np.float64)
        pre.max_ = np.array(data["max"], dtype=np.float64)
        return pre
