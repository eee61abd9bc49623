"""The topic catalogue is the only source of topic names (Cowrie's event-id catalogue
style): a scan of the source tree finds every topic published and checks it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from threatmesh.bus import topics
from threatmesh.model.errors import InvalidInput

SRC = Path(__file__).resolve().parents[2] / "src" / "threatmesh"
#: Calls that publish a notification, and the position of their topic argument.
PUBLISHING_CALLS = {"record": 1, "buffer": 1, "_about_event": 1}


def _trees() -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(SRC.rglob("*.py"))]


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _published_topics() -> list[tuple[str, str]]:
    """(where, topic) for every publishing call in the tree."""
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in PUBLISHING_CALLS:
                continue
            pos = PUBLISHING_CALLS[_called_name(node) or ""]
            if len(node.args) <= pos:
                continue
            arg = node.args[pos]
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", None) == "topics":
                found.append((where, getattr(topics, arg.attr, f"<no topics.{arg.attr}>")))
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((where, arg.value))
            elif path.name not in {"notify.py", "outbox.py"}:  # the two generic helpers
                found.append((where, f"<not a catalogue constant: {ast.unparse(arg)}>"))
    return found


def test_every_published_topic_is_catalogued() -> None:
    published = _published_topics()
    assert len(published) >= 6, published  # the scan does find the publishers
    for where, topic in published:
        assert topic in topics.TOPICS, f"{where} publishes {topic!r}, missing from bus/topics.py"


def test_every_topic_literal_in_the_tree_is_catalogued() -> None:
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith("misp_json") and " " not in node.value:
                    assert node.value in topics.TOPICS, f"{path.name}:{node.lineno}"


def test_catalogue_is_misps_zeromq_topics_and_documented() -> None:
    assert topics.TOPICS == (
        "misp_json",
        "misp_json_event",
        "misp_json_attribute",
        "misp_json_object",
        "misp_json_object_reference",
        "misp_json_sighting",
        "misp_json_tag",
        "misp_json_organisation",
        "misp_json_user",
        "misp_json_audit",
    )
    assert set(topics.DESCRIPTIONS) == set(topics.TOPICS)
    docs = (SRC.parents[1] / "docs" / "stream.md").read_text(encoding="utf-8")
    for topic in topics.TOPICS:
        assert f"`{topic}`" in docs, f"docs/stream.md does not describe {topic}"


def test_parse_topics() -> None:
    assert topics.parse_topics(None) == frozenset(topics.TOPICS)
    assert topics.parse_topics(" ") == frozenset(topics.TOPICS)
    assert topics.parse_topics("misp_json_event, misp_json_tag,") == {
        "misp_json_event",
        "misp_json_tag",
    }
    with pytest.raises(InvalidInput, match="unknown topic 'misp_json_nope'"):
        topics.parse_topics("misp_json_event,misp_json_nope")
