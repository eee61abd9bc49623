"""The authorization server's decision, against a reference reading of the policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threatmesh.model.errors import InvalidInput
from threatmesh.privacy.authz.policy import EVENT_SCOPES, Party, Policy, decide

ORGS = ["CIRCL", "BANK-A", "SHOP-C"]
SECTORS = ["finance", "retail", "government"]
ROLES = ["User", "Publisher", "Read Only"]
CLAIMS = {"purpose": "incident-response"}


def subset(values: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values), max_size=2)


policies = st.builds(
    Policy,
    scopes=st.frozensets(st.sampled_from(EVENT_SCOPES), min_size=1),
    orgs=subset(ORGS),
    sectors=subset(SECTORS),
    roles=st.frozensets(st.sampled_from([r.lower() for r in ROLES]), max_size=2),
    min_trust=st.none() | st.integers(0, 5),
    claims=st.sampled_from([{}, CLAIMS]),
)
parties = st.builds(
    Party,
    org_uuid=st.just("uuid-x"),
    org_name=st.sampled_from(ORGS),
    sector=st.sampled_from(SECTORS),
    role=st.sampled_from(ROLES),
    trust=st.integers(0, 5),
    claims=st.sampled_from([{}, CLAIMS, {"purpose": "marketing"}]),
)
requests = st.frozensets(st.sampled_from(EVENT_SCOPES), min_size=1)


def reference(policy: Policy, party: Party) -> bool:
    """The policy's meaning, spelled out."""
    return all(
        [
            not policy.orgs or party.org_name in policy.orgs,
            not policy.sectors or party.sector in policy.sectors,
            not policy.roles or party.role.lower() in policy.roles,
            policy.min_trust is None or party.trust >= policy.min_trust,
            all(party.claims.get(k) == v for k, v in policy.claims.items()),
        ]
    )


@given(st.lists(policies, max_size=4), parties, requests)
def test_decision_matches_the_reference(
    rules: list[Policy], party: Party, wanted: frozenset[str]
) -> None:
    decision = decide(rules, party, wanted)
    expected = frozenset().union(*[p.scopes for p in rules if reference(p, party)]) & wanted
    assert decision.granted == expected
    if decision.required_claims:
        assert decision.granted != wanted and not party.claims
        assert decision.required_claims == {"purpose"}


@given(st.lists(policies, max_size=3), policies, parties, requests)
def test_more_policies_never_grant_less(
    rules: list[Policy], extra: Policy, party: Party, wanted: frozenset[str]
) -> None:
    assert decide(rules, party, wanted).granted <= decide([*rules, extra], party, wanted).granted


def test_json_round_trip_and_errors() -> None:
    policy = Policy.from_json(
        {"scopes": ["read"], "sectors": ["Finance"], "roles": "User", "min_trust": 3,
         "claims": {"purpose": "ir"}}
    )  # fmt: skip
    assert policy.sectors == {"finance"} and policy.roles == {"user"}
    assert Policy.from_json(policy.to_json()) == policy
    for bad, where in (
        ({"scopes": []}, "scopes"),
        ({"scopes": ["delete"]}, "scopes"),
        ({"scopes": ["read"], "min_trust": "3"}, "min_trust"),
        ({"scopes": ["read"], "orgs": [1]}, "orgs"),
        ({"scopes": ["read"], "claims": {"a": 1}}, "claims"),
        ({"scopes": ["read"], "colour": "red"}, "colour"),
    ):
        with pytest.raises(InvalidInput, match=where):
            Policy.from_json(bad)
