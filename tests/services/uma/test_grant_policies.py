"""The token endpoint's parse of stored policy rules: cached by text, never by policy."""

from __future__ import annotations

import orjson
import pytest

from threatmesh.model.errors import InvalidInput
from threatmesh.privacy.authz.policy import Policy
from threatmesh.services.uma import grant as uma_grant


def test_a_rule_text_is_parsed_once_into_the_same_policy() -> None:
    rule = orjson.dumps({"scopes": ["read"], "sectors": ["Finance"]}).decode()
    first = uma_grant._policy(rule)
    assert first == Policy.from_json(orjson.loads(rule))
    assert uma_grant._policy(rule) is first


def test_another_text_is_another_policy() -> None:
    before = uma_grant._policy(orjson.dumps({"scopes": ["read"]}).decode())
    after = uma_grant._policy(orjson.dumps({"scopes": ["read"], "min_trust": 2}).decode())
    assert before.min_trust is None and after.min_trust == 2


def test_a_bad_rule_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(InvalidInput):
            uma_grant._policy(orjson.dumps({"scopes": ["write"]}).decode())
