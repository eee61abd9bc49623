"""``includeDecayScore`` and ``excludeDecayed`` on restSearch: MISP's
``DecayingModel::attachScoresToAttribute``.

Each attribute gets ``decay_score``: one item per enabled model the user may see whose
``attribute_types`` hold the attribute's type, ``{"DecayingModel": {"id", "name"},
"score", "base_score", "decayed"}`` (an empty list when no model applies).
``excludeDecayed`` drops the attributes whose every score is decayed, as MISP does
(which includes the attributes no model scores). The scores themselves are
:func:`threatmesh.model.library.decay.decay_score`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from threatmesh.formats.misp_types import SightingView, TagView
from threatmesh.model.library.decay import ScoredTag, decay_score
from threatmesh.model.library.decaying_models import DecayingModel
from threatmesh.services.library.decaying_models import enabled_models
from threatmesh.services.platform import Identity
from threatmesh.storage.core.database import Connection
from threatmesh.storage.events import reads

__all__ = ["Scorer", "all_decayed"]

Row = Mapping[Any, Any]
_MICROS = 1_000_000


def _scored(tags: Sequence[TagView]) -> list[ScoredTag]:
    return [ScoredTag(t["name"], t.get("numerical_value")) for t in tags]


class Scorer:
    """Scores attributes under the enabled models ``who`` may see, at epoch second
    ``now``; event tags are read once per event."""

    def __init__(self, conn: Connection, who: Identity, now: int) -> None:
        self._conn = conn
        self._models: list[tuple[int, DecayingModel]] = enabled_models(conn, who)
        self._now = now
        self._event_tags: dict[int, list[ScoredTag]] = {}

    def _tags_of_event(self, event_id: int) -> list[ScoredTag]:
        if event_id not in self._event_tags:
            self._event_tags[event_id] = _scored(reads.tags_of_event(self._conn, event_id))
        return self._event_tags[event_id]

    def scores(
        self, row: Row, tags: Sequence[TagView], seen: Sequence[SightingView]
    ) -> list[dict[str, Any]]:
        """The ``decay_score`` of the attribute ``row`` (a search page row) with its own
        ``tags`` and the sightings the user may see."""
        models = [(i, m) for i, m in self._models if row["type"] in m.attribute_types]
        if not models:
            return []
        attribute_tags = _scored([t for t in tags if not t.get("inherited")])
        event_tags = self._tags_of_event(int(row["event_id"]))
        retention = {
            t.name: float(t.numerical_value)
            for t in (*event_tags, *attribute_tags)
            if t.name.startswith("retention:") and t.numerical_value is not None
        }
        last_seen = row["last_seen"]
        dates = [int(s["date_sighting"]) for s in seen]
        out = []
        for model_id, model in models:
            score = decay_score(
                model,
                timestamp=int(row["timestamp"]),
                last_seen=None if last_seen is None else int(last_seen) // _MICROS,
                last_sighting=max(dates) if dates else None,
                event_tags=event_tags,
                attribute_tags=attribute_tags,
                now=self._now,
                retention=retention,
                sightings=[int(s["type"]) for s in seen],
            )
            out.append(
                {
                    "score": score.score,
                    "base_score": score.base_score,
                    "decayed": score.decayed,
                    "DecayingModel": {"id": str(model_id), "name": model.name},
                }
            )
        return out


def all_decayed(scores: Sequence[Mapping[str, Any]]) -> bool:
    """``excludeDecayed``: whether every score is decayed (true for no score, as in MISP)."""
    return all(s["decayed"] for s in scores)
