"""The OpenAPI document states every parameter and every answer, and ``Allow`` agrees.

The schemathesis suite (``test_schemathesis.py``) checks the answers against the
document case by case; these check the document's shape and the 405s over real HTTP.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from tests.support import LiveServer

Doc = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def doc(sqlite_server: LiveServer) -> Doc:
    answer = httpx.get(f"{sqlite_server.url}/openapi.json")
    assert answer.status_code == 200
    document: Doc = answer.json()
    return document


def _operations(doc: Doc) -> list[tuple[str, str, Doc]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_path_parameter_is_declared(doc: Doc) -> None:
    for path, method, op in _operations(doc):
        in_path = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}
        assert declared == in_path, (method, path)
    add = doc["paths"]["/objects/add/{event_ref}/{template}"]["post"]
    assert [p["name"] for p in add["parameters"]] == ["event_ref", "template"]


def test_errors_are_misp_errors_and_no_422(doc: Doc) -> None:
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    error = {"$ref": "#/components/schemas/MispError"}
    for path, method, op in _operations(doc):
        assert "422" not in op["responses"], (method, path)
        for code, answer in op["responses"].items():
            if code.startswith(("4", "5")) and method != "head" and path != "/uma/token":
                assert answer["content"] == {"application/json": {"schema": error}}, (path, code)


def test_authenticated_operations_say_so(doc: Doc) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The user's 40-character API key, as MISP takes it.",
    }
    view = doc["paths"]["/events/view/{ref}"]["get"]
    assert view["security"] == [{"ApiKey": []}, {"MispAuth": []}]
    assert {"401", "403", "404", "400"} <= set(view["responses"])
    assert doc["paths"]["/uma/events/{uuid}"]["get"]["security"] == [{"UmaRpt": []}]
    assert "security" not in doc["paths"]["/uma/jwks"]["get"]


def test_a_405_allows_exactly_the_methods_of_its_path(sqlite_server: LiveServer, doc: Doc) -> None:
    headers = {"Authorization": sqlite_server.admin_key}
    with httpx.Client(base_url=sqlite_server.url, headers=headers) as http:
        for path, item in doc["paths"].items():
            documented = sorted(m.upper() for m in item if m in METHODS)
            url = re.sub(r"{\w+}", "1", path)
            answer = http.request("PATCH", url)
            assert answer.status_code == 405, path
            assert answer.headers["allow"] == ", ".join(documented), path
            assert answer.json() == {
                "name": "Method Not Allowed",
                "message": "Method Not Allowed",
                "url": url,
            }
