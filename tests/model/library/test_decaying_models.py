"""MISP's default decaying models, as ``DecayingModel::update`` stores them."""

from __future__ import annotations

from threatmesh.model.library.decaying_models import (
    decaying_model_from_json,
    load_decaying_models,
    stored_parameters,
    with_overrides,
)
from threatmesh.model.library.packaged import pending


def test_the_three_default_models() -> None:
    models = {m.name: m for m in load_decaying_models().items}
    assert set(models) == {"NIDS Simple Decaying Model", "Phishing model", "Vishing model"}
    nids = models["NIDS Simple Decaying Model"]
    assert nids.uuid == "073fae4a-2377-4cfa-bd34-2516830d33c3"
    assert (nids.formula, nids.version, nids.default, nids.enabled, nids.all_orgs) == (
        "Polynomial",
        2,
        True,
        False,
        True,
    )
    assert "ip-dst" in nids.attribute_types and "snort" in nids.attribute_types
    assert models["Vishing model"].attribute_types == ("phone-number", "prtn")


def test_parameters_are_stored_as_rounded_floats() -> None:
    nids = next(m for m in load_decaying_models().items if m.name.startswith("NIDS"))
    params = nids.parameters
    assert params["lifetime"] == 120.0 and isinstance(params["lifetime"], float)
    assert (params["decay_speed"], params["threshold"], params["default_base_score"]) == (
        2.0,
        30.0,
        80.0,
    )
    assert params["base_score_config"]["priority-level"] == 0.1667


def test_adjust_parameters_like_php() -> None:
    assert stored_parameters(
        {"a": 1.23456, "b": "2", "c": "", "d": "text", "e": {"f": 0.00005}, "g": False},
        "Polynomial",
    ) == {"a": 1.2346, "b": 2.0, "c": 0, "d": "text", "e": {"f": 0.0001}, "g": 0}
    # A polynomial model (MISP's default spelling) has no custom settings.
    assert stored_parameters({"settings": {"x": 1}}, "polynomial")["settings"] == "{}"


def test_formula_defaults_to_polynomial() -> None:
    model = decaying_model_from_json({"name": "m", "parameters": {}})
    assert model.formula == "polynomial"


def test_overrides_only_touch_allowed_parameters() -> None:
    nids = load_decaying_models().items[0]
    changed = with_overrides(nids, {"threshold": 10, "lifetime": 5, "default_base_score": 1})
    assert changed.parameters["threshold"] == 10 and changed.parameters["lifetime"] == 5
    assert changed.parameters["default_base_score"] == nids.parameters["default_base_score"]
    assert with_overrides(nids, {}) is nids


def test_update_inserts_new_uuids_and_newer_versions_only() -> None:
    models = load_decaying_models().items
    installed = {m.uuid: m.version for m in models}
    assert (
        pending(models, key=lambda m: m.uuid, version=lambda m: m.version, installed=installed)
        == []
    )
    assert (
        len(pending(models, key=lambda m: m.uuid, version=lambda m: m.version, installed={})) == 3
    )
