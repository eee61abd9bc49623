"""Decaying models, as MISP's ``DecayingModel::update`` stores them.

Source: the vendored ``model/data/misp/decaying-models/*.json`` (MISP's
``misp-decaying-models``). MISP inserts a model whose uuid it does not have, marked
``default``; a stored model is rewritten only when the file's version is higher. Saving
passes the parameters through ``__adjustParameters``: every number is rounded to 4
decimals and becomes a float (so ``"lifetime": 120`` reads back as ``120.0``), empty
values become ``0``. New models are disabled and visible to all organisations;
``org_id`` is the instance's host organisation.

Scores are computed in :mod:`threatmesh.model.library.decay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from threatmesh.model.library import php
from threatmesh.model.library.packaged import Loaded, child_files, own_data, read_json

__all__ = [
    "OVERRIDABLE",
    "DecayingModel",
    "decaying_model_from_json",
    "load_decaying_models",
    "stored_parameters",
    "with_overrides",
]

#: The parameters a search may override (``modelOverrides``; ``score`` sets ``threshold``).
OVERRIDABLE = frozenset({"threshold", "lifetime", "decay_speed"})


@dataclass(frozen=True, slots=True)
class DecayingModel:
    """One ``decaying_models`` row. ``parameters`` are as stored (see the module doc)."""

    uuid: str
    name: str
    description: str
    formula: str
    version: int
    parameters: dict[str, Any]
    attribute_types: tuple[str, ...]
    ref: tuple[str, ...]
    authors: tuple[str, ...] = ()
    default: bool = True
    enabled: bool = False
    all_orgs: bool = True


def _adjust(value: Any) -> Any:
    """MISP's ``__adjustParameters`` for one value."""
    if isinstance(value, Mapping):
        return {k: _adjust(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_adjust(v) for v in value]
    if php.is_numeric(value):
        return php.round_half_up(float(value), 4)
    return value if not php.is_empty(value) else 0


def stored_parameters(parameters: Mapping[str, Any], formula: str) -> dict[str, Any]:
    """The parameters as MISP stores them (a polynomial model's ``settings`` become ``"{}"``)."""
    adjusted: dict[str, Any] = _adjust(parameters)
    if formula == "polynomial" and "settings" in adjusted:
        adjusted["settings"] = "{}"
    return adjusted


def decaying_model_from_json(data: Mapping[str, Any]) -> DecayingModel:
    """A model file as MISP saves it (``formula`` defaults to ``polynomial``)."""
    formula = str(data.get("formula") or "polynomial")
    return DecayingModel(
        uuid=str(data.get("uuid", "")),
        name=str(data["name"]),
        description=str(data.get("description", "")),
        formula=formula,
        version=int(data.get("version", 0)),
        parameters=stored_parameters(data.get("parameters") or {}, formula),
        attribute_types=tuple(str(t) for t in data.get("attribute_types") or ()),
        ref=tuple(str(r) for r in data.get("ref") or ()),
        authors=tuple(str(a) for a in data.get("authors") or ()),
    )


def load_decaying_models() -> Loaded[DecayingModel]:
    """Every vendored default model, in file-name order."""
    files = child_files(own_data("decaying-models"))
    return Loaded(tuple(decaying_model_from_json(read_json(f)) for f in files))


def with_overrides(model: DecayingModel, overrides: Mapping[str, Any]) -> DecayingModel:
    """The model with a search's ``modelOverrides`` applied (only :data:`OVERRIDABLE`)."""
    allowed = {k: v for k, v in overrides.items() if k in OVERRIDABLE}
    if not allowed:
        return model
    return replace(model, parameters={**model.parameters, **allowed})
