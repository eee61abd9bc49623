"""Detectors: what the service scores flows with. Each registers a factory by name.

``ebids`` is the mixture-of-experts ensemble; ``ebids-max``, ``ebids-average`` and
``ebids-stacking`` swap its combiner; ``ebids-guarded`` is ``ebids`` until an imported
expert joins it, which it lets add alarms above a cut set on our benign flows
(``combiners.GuardedCombiner``); ``pooled`` is the paper's baseline, one base
network trained on every chunk's labelled flows together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from threatmesh.detection.batch import FlowBatch, Matrix
from threatmesh.detection.ensemble import Chunk, Ensemble, split, train_pooled
from threatmesh.detection.network import F32, BaseNet, TrainConfig, predict
from threatmesh.detection.preprocessing import Preprocessor
from threatmesh.model.registry import Registry


def chunks_of(
    batches: Sequence[FlowBatch], pre: Preprocessor, *, fraction: float = 1.0, seed: int = 0
) -> list[Chunk]:
    """Labelled batches as preprocessed chunks, keeping ``fraction`` of each (label scarcity)."""
    rng = np.random.default_rng(seed)
    out = []
    for batch in batches:
        keep, _ = split(len(batch), fraction, rng)
        keep = keep if len(keep) >= 4 else np.arange(min(4, len(batch)))
        y = batch.attack_mask().astype(np.float32)[keep]
        out.append(Chunk(batch.source, pre.transform(batch.features[keep]), y))
    return out


@dataclass
class Detector:
    """A trainable scorer of raw CIC feature matrices; one of :data:`DETECTORS`."""

    name: str
    combiner: str | None
    cfg: TrainConfig = field(default_factory=TrainConfig)
    preprocessor: Preprocessor = field(default_factory=Preprocessor)
    ensemble: Ensemble | None = None
    single: BaseNet | None = None
    threshold: float = 0.5  # decision threshold, chosen on training-side validation data

    def fit(self, batches: Sequence[FlowBatch], *, fraction: float = 1.0) -> Detector:
        """Train on labelled batches, one chunk each; ``fraction`` of labels used."""
        self.preprocessor = Preprocessor().fit(b.features for b in batches)
        chunks = chunks_of(batches, self.preprocessor, fraction=fraction, seed=self.cfg.seed)
        if self.combiner is None:
            x = np.vstack([c.x for c in chunks])
            y = np.concatenate([c.y for c in chunks])
            self.single, _, self.threshold = train_pooled(x, y, self.cfg)
        else:
            self.ensemble = Ensemble(self.preprocessor, self.combiner, self.cfg).fit(chunks)
            self.threshold = self.ensemble.threshold
        return self

    def add_chunk(self, batch: FlowBatch) -> Detector:
        """Learn a new chunk: a new base model and a retrained combiner (ensembles only)."""
        if self.ensemble is None:
            raise ValueError(f"detector {self.name} has no chunks to add to")
        self.ensemble.add_chunk(chunks_of([batch], self.preprocessor, seed=self.cfg.seed)[0])
        self.threshold = self.ensemble.threshold
        return self

    def recombined(self, name: str) -> Detector:
        """Detector ``name`` (another ensemble combiner) sharing these fitted base models.

        What ``DETECTORS[name](cfg).fit(...)`` on the same data would give, without
        training the base models again (the evaluation compares combiners this way).
        """
        other = DETECTORS[name](self.cfg)
        if self.ensemble is None or other.combiner is None:
            raise ValueError(f"detector {name} cannot share the base models of {self.name}")
        other.preprocessor = self.preprocessor
        other.ensemble = self.ensemble.recombined(other.combiner)
        other.threshold = other.ensemble.threshold
        return other

    def score(self, features: Matrix) -> F32:
        """Attack score in [0, 1] of each row of raw CIC features."""
        x = self.preprocessor.transform(features)
        if self.ensemble is not None:
            return self.ensemble.score(x)
        if self.single is not None:
            return predict(self.single, x)
        raise ValueError(f"detector {self.name} is not fitted")

    @property
    def models(self) -> list[str]:
        """Names of the base models."""
        return list(self.ensemble.names) if self.ensemble else ["single"]


Factory = Callable[[TrainConfig], Detector]
DETECTORS: Registry[Factory] = Registry("detector")
DETECTORS.register("ebids", lambda cfg: Detector("ebids", "moe", cfg))
DETECTORS.register("ebids-max", lambda cfg: Detector("ebids-max", "max", cfg))
DETECTORS.register("ebids-average", lambda cfg: Detector("ebids-average", "average", cfg))
DETECTORS.register("ebids-stacking", lambda cfg: Detector("ebids-stacking", "stacking", cfg))
DETECTORS.register("ebids-guarded", lambda cfg: Detector("ebids-guarded", "guarded", cfg))
DETECTORS.register("pooled", lambda cfg: Detector("pooled", None, cfg))
