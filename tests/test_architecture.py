"""The dependency rule of HOUSE_STYLE, enforced by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "threatmesh"

# Each layer and the threatmesh layers it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "formats": {"model"},
    "privacy": {"model"},
    "detection": {"model"},
    "honeypots": {"model"},
    "storage": {"model", "formats"},
    "bus": {"model", "formats"},
    "deploy": {"model", "honeypots"},
    "client": {"model", "formats", "privacy"},
    "sensors": {"model", "detection"},
    "services": {
        "model",
        "formats",
        "privacy",
        "detection",
        "honeypots",
        "storage",
        "bus",
        "deploy",
        "client",
        "sensors",
    },
    "api": {"model", "formats", "services", "storage", "bus"},
    "cli": {"model", "formats", "services", "storage", "bus", "api", "client"},
}
# Pure layers: no sockets, files, databases or web frameworks.
PURE = {"model", "formats", "privacy", "detection", "honeypots"}
# (socket is absent on purpose: inet_pton/inet_ntop parse addresses without any I/O.)
IMPURE_MODULES = {
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "typer",
    "psycopg",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.parent != SRC)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_layer_imports_point_inwards(path: Path) -> None:
    layer = path.relative_to(SRC).parts[0]
    assert layer in ALLOWED, f"{layer} is not a known layer; add it to ALLOWED"
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "threatmesh" and len(parts) > 1 and parts[1] in ALLOWED:
            target = parts[1]
            assert target == layer or target in ALLOWED[layer], (
                f"{path.name}: {layer} must not import {target}"
            )
        if layer in PURE:
            assert parts[0] not in IMPURE_MODULES, f"{path.name}: pure layer {layer} imports {name}"


def test_only_api_and_cli_read_settings() -> None:
    for path in _modules():
        layer = path.relative_to(SRC).parts[0]
        if layer not in {"api", "cli"}:
            assert "threatmesh.api.settings" not in _imports(path), path


def test_every_package_states_its_rule() -> None:
    for init in SRC.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.parent.name}/__init__.py needs a docstring stating its rule"
