"""The dependency rule of docs/architecture.md, enforced by parsing every module.

Rings, innermost first; a layer imports its own package and the layers listed for it:

    0  model                                     (nothing)
    1  formats, privacy, detection, honeypots    model                    pure
    2  storage, bus, client, sensors, deploy     rings 0-1                I/O adapters
    3  services                                  rings 0-2                use cases
    4  api, cli                                  services and rings 0-1   entry points
                                                 (cli also imports api)

Ring-2 adapters never import each other (a use case combines them); api and cli reach
storage, the bus and the other adapters only through services. The pure rings do no I/O:
no sockets, processes, files, environment or wall clock (the one reader of files is
``model/package_data.py``, for data the package ships). SQL lives in storage only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "threatmesh"

RINGS: dict[str, int] = {
    "model": 0,
    **dict.fromkeys(("formats", "privacy", "detection", "honeypots"), 1),
    **dict.fromkeys(("storage", "bus", "client", "sensors", "deploy"), 2),
    "services": 3,
    **dict.fromkeys(("api", "cli"), 4),
}
PURE = {layer for layer, ring in RINGS.items() if ring <= 1}


def allowed(layer: str) -> set[str]:
    """The threatmesh layers ``layer`` may import (itself included)."""
    ring = RINGS[layer]
    if ring == 4:
        # cli runs the server, so it builds on api (create_app, Settings); not the reverse.
        entry = {"services", layer} | ({"api"} if layer == "cli" else set())
        return entry | {other for other, r in RINGS.items() if r <= 1}
    return {layer} | {other for other, r in RINGS.items() if r < ring and not (r == 1 == ring)}


# Third-party modules that mean I/O or a framework: never in a pure layer.
IMPURE_MODULES = {
    "sqlalchemy",
    "alembic",
    "psycopg",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "urllib3",
    "typer",
    "click",
    "subprocess",
    "shutil",
    "tempfile",
    "nats",
    "sqlite3",
    "asyncio",
    "selectors",
    "http",
    "signal",
}
# (socket stays importable: inet_pton/inet_ntop parse addresses without any I/O; its
# connecting functions are banned below.)
IO_CALLS = {
    "open",
    "print",
    "input",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "unlink",
    "mkdir",
    "touch",
    "rmdir",
    "iterdir",
    "glob",
    "rglob",
    "socket",
    "create_connection",
    "create_server",
    "getaddrinfo",
    "gethostbyname",
    "urlopen",
    "sleep",
    "time",
    "monotonic",
    "perf_counter",
    "now",
    "utcnow",
    "today",
    "getenv",
    "system",
    "popen",
    "spawn",
}
IO_ATTRIBUTES = {("os", "environ")}
# The one module of the pure rings that reads files: data shipped with the packages.
PACKAGE_DATA_READERS = {"model/package_data.py"}
# Where SQL may not appear: no SQLAlchemy import, no statement executed.
NO_SQL = {"services", "api", "cli"}

# Known violations while issue 15 moves SQL out of services (each entry is a file that
# still breaks a rule; the list only shrinks, and the test fails when an entry is fixed
# so it is removed).
PENDING: dict[str, str] = {}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.parent != SRC)


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC))


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def _layer_violations(path: Path, tree: ast.AST) -> list[str]:
    layer = path.relative_to(SRC).parts[0]
    if layer not in RINGS:
        return [f"{layer} is not a known layer; add it to RINGS and docs/architecture.md"]
    out = []
    for name in _imports(tree):
        parts = name.split(".")
        if parts[0] == "threatmesh" and len(parts) > 1 and parts[1] in RINGS:
            if parts[1] not in allowed(layer):
                out.append(f"{layer} must not import {parts[1]} ({name})")
        if layer in PURE and parts[0] in IMPURE_MODULES:
            out.append(f"pure layer {layer} imports {name}")
        if layer in NO_SQL and parts[0] == "sqlalchemy":
            out.append(f"SQL lives in storage: {layer} imports {name}")
    return out


def _io_violations(path: Path, tree: ast.AST) -> list[str]:
    if path.relative_to(SRC).parts[0] not in PURE or _rel(path) in PACKAGE_DATA_READERS:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            through_package_data = isinstance(func, ast.Attribute) and (
                getattr(func.value, "id", None) == "package_data"
            )
            if name in IO_CALLS and not through_package_data:
                out.append(f"line {node.lineno}: I/O call {name}() in a pure layer")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in IO_ATTRIBUTES:
                out.append(f"line {node.lineno}: {node.value.id}.{node.attr} in a pure layer")
    return out


def _sql_violations(path: Path, tree: ast.AST) -> list[str]:
    if path.relative_to(SRC).parts[0] not in NO_SQL:
        return []
    return [
        f"line {node.lineno}: SQL executed outside storage"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"execute", "exec_driver_sql", "scalar", "scalars"}
    ]


def violations(path: Path) -> list[str]:
    """Every way ``path`` breaks the rule."""
    tree = _tree(path)
    return _layer_violations(path, tree) + _io_violations(path, tree) + _sql_violations(path, tree)


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_module_follows_the_rule(path: Path) -> None:
    found = violations(path)
    if _rel(path) in PENDING:
        assert found, f"{_rel(path)} now follows the rule: remove it from PENDING"
        return
    assert not found, f"{_rel(path)}: " + "; ".join(found)


def test_pending_names_existing_modules() -> None:
    assert all((SRC / p).is_file() for p in PENDING), [
        p for p in PENDING if not (SRC / p).is_file()
    ]


def test_the_rule_catches_what_it_forbids(tmp_path: Path) -> None:
    """The checks are not vacuous: each kind of breach in a fake module is reported."""
    cases = {
        "services/x.py": "import sqlalchemy as sa\nconn.execute(q)\n",
        "api/x.py": "from threatmesh.storage.core import database\n",
        "cli/x.py": "from threatmesh.bus import memory\n",
        "storage/x.py": "from threatmesh.client import http\n",
        "model/x.py": "open('f')\nimport time\ntime.time()\n",
        "formats/x.py": "import subprocess\nimport os\nos.environ['A']\n",
        "honeypots/x.py": "import socket\nsocket.create_connection(('a', 1))\n",
        "privacy/x.py": "from threatmesh.formats import fields\n",
    }
    for rel, text in cases.items():
        path = SRC / rel
        tree = ast.parse(text)
        found = _layer_violations(path, tree) + _io_violations(path, tree)
        found += _sql_violations(path, tree)
        assert found, f"{rel} should break the rule"


def test_only_api_and_cli_read_settings() -> None:
    for path in _modules():
        layer = path.relative_to(SRC).parts[0]
        if layer not in {"api", "cli"}:
            assert "threatmesh.api.settings" not in _imports(_tree(path)), path


def test_every_package_states_its_rule() -> None:
    for init in SRC.rglob("__init__.py"):
        doc = ast.get_docstring(_tree(init))
        assert doc, f"{init.relative_to(SRC)} needs a docstring"


def test_no_folder_holds_more_than_fifteen_modules() -> None:
    for folder in [SRC, *(p for p in SRC.rglob("*") if p.is_dir())]:
        if folder.name in {"__pycache__", "versions", "data"}:
            continue
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 15, f"{folder.relative_to(SRC)} holds {len(modules)} modules"
