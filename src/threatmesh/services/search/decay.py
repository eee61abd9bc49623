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

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from threatmesh.formats.misp_types import SightingView, TagView
from threatmesh.model.library.decay import ScoredTag, decay_score
from threatmesh.model.library.decaying_models import DecayingModel
from threatmesh.model.query import Query
from threatmesh.services.library.decaying_models import scoring_models
from threatmesh.services.platform import Identity
from threatmesh.storage.core.database import Connection
from threatmesh.storage.events import reads

__all__ = ["Scorer", "all_decayed", "scorer"]

Row = Mapping[Any, Any]
_MICROS = 1_000_000


def _scored(tags: Sequence[Mapping[str, Any]]) -> list[ScoredTag]:
    # Tags inherited from the event (``includeEventTags``) count as event tags.
    return [ScoredTag(t["name"], t.get("numerical_value")) for t in tags if not t.get("inherited")]


class Scorer:
    """Scores attributes under ``models`` (with their ids:
    :func:`~threatmesh.services.library.decaying_models.scoring_models`) at epoch second
    ``now``: those whose ``attribute_types`` hold the attribute's type, or all of them
    with ``any_type`` (the models a search names). Search rows (:meth:`scores`) need
    ``conn``, on which their event's tags are read once per event."""

    def __init__(
        self,
        models: list[tuple[int, DecayingModel]],
        now: int,
        conn: Connection | None = None,
        *,
        any_type: bool = False,
    ) -> None:
        self._conn = conn
        self._any_type = any_type
        self._models = models
        self._now = now
        self._event_tags: dict[int, list[ScoredTag]] = {}

    def _tags_of_event(self, event_id: int) -> list[ScoredTag]:
        if event_id not in self._event_tags:
            assert self._conn is not None, "Scorer.scores needs a connection"
            self._event_tags[event_id] = _scored(reads.tags_of_event(self._conn, event_id))
        return self._event_tags[event_id]

    def scores(
        self, row: Row, tags: Sequence[TagView], seen: Sequence[SightingView]
    ) -> list[dict[str, Any]]:
        """The ``decay_score`` of the attribute ``row`` (a search page row) with its own
        ``tags`` and the sightings the user may see."""
        last_seen = row["last_seen"]
        return self._scores(
            str(row["type"]),
            int(row["timestamp"]),
            None if last_seen is None else int(last_seen) // _MICROS,
            _scored(tags),
            self._tags_of_event(int(row["event_id"])),
            seen,
        )

    def score_event(self, event: dict[str, Any], *, exclude_decayed: bool) -> None:
        """Adds ``decay_score`` to each attribute of ``event`` (an ``events/view``
        answer read with sightings), its objects' included; with ``exclude_decayed``,
        drops the decayed ones."""
        event_tags = _scored(event.get("Tag") or ())
        for holder in (event, *(event.get("Object") or ())):
            kept = []
            for a in holder.get("Attribute") or ():
                last_seen = a.get("last_seen")
                a["decay_score"] = self._scores(
                    str(a["type"]),
                    int(a["timestamp"]),
                    None
                    if not last_seen
                    else int(dt.datetime.fromisoformat(last_seen).timestamp()),
                    _scored(a.get("Tag") or ()),
                    event_tags,
                    a.get("Sighting") or (),
                )
                if not (exclude_decayed and all_decayed(a["decay_score"])):
                    kept.append(a)
            if "Attribute" in holder:
                holder["Attribute"] = kept

    def _scores(
        self,
        kind: str,
        timestamp: int,
        last_seen: int | None,
        attribute_tags: list[ScoredTag],
        event_tags: list[ScoredTag],
        seen: Sequence[Mapping[str, Any]],
    ) -> list[dict[str, Any]]:
        models = [(i, m) for i, m in self._models if self._any_type or kind in m.attribute_types]
        if not models:
            return []
        retention = {
            t.name: float(t.numerical_value)
            for t in (*event_tags, *attribute_tags)
            if t.name.startswith("retention:") and t.numerical_value is not None
        }
        dates = [int(s["date_sighting"]) for s in seen]
        out = []
        for model_id, model in models:
            score = decay_score(
                model,
                timestamp=timestamp,
                last_seen=last_seen,
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


def scorer(conn: Connection, who: Identity, q: Query, now: int, *, rows: bool) -> Scorer:
    """The scorer of a search ``q`` (``rows``: for search page rows, read on ``conn``)."""
    models = scoring_models(conn, who, q.decaying_models, dict(q.model_overrides))
    return Scorer(models, now, conn if rows else None, any_type=bool(q.decaying_models))
