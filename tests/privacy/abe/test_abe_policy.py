"""Policy parser, bag-of-bits comparisons and span programs (no pairings: many examples)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.privacy.abe.strategies import attribute_sets, policies

from threatmesh.privacy.abe import lsss, policy
from threatmesh.privacy.abe.errors import PolicyError
from threatmesh.privacy.abe.policy import Gate, Leaf

R = 52435875175126190479447740508185965837690552500527637822603658699938581184513


def test_precedence_and_thresholds() -> None:
    tree = policy.parse("(sector:finance or org:CERT) and role:analyst")
    assert tree == Gate(
        2, (Gate(1, (Leaf("sector:finance"), Leaf("org:CERT"))), Leaf("role:analyst"))
    )
    assert policy.parse("a or b AND c") == Gate(1, (Leaf("a"), Gate(2, (Leaf("b"), Leaf("c")))))
    assert policy.parse("2 of (a, b, c)") == Gate(2, (Leaf("a"), Leaf("b"), Leaf("c")))
    assert policy.parse('"org:Some Org" or x') == Gate(1, (Leaf("org:Some Org"), Leaf("x")))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a and", "ends too early"),
        ("(a or b", "ends too early"),
        ("a b", "unexpected 'b'"),
        ("4 of (a, b, c)", "4 of 3"),
        ("trust>=300", "0..255"),
        ("trust>=0", "always satisfied"),
        ("trust>255", "never satisfiable"),
        ("Trust>=2", "not a numeric attribute name"),
        ("trust>=x", "needs a number"),
        ("a and #b", "unexpected character"),
        ("(" * 40 + "a" + ")" * 40, "nested deeper"),
    ],
)
def test_bad_policies_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy.parse(text)


@pytest.mark.parametrize("op", [">=", ">", "<=", "<", "=="])
def test_comparisons_match_integers(op: str) -> None:
    for bound in range(1, 20):
        tree = policy.parse(f"trust{op}{bound} or never")
        for value in range(40):
            attrs = policy.key_attributes([f"trust={value}"])
            expected = eval(f"{value}{op}{bound}")  # the Python comparison is the oracle
            assert policy.satisfied(tree, attrs) is expected, (op, bound, value)


def _in_row_span(rows: list[tuple[int, ...]], target: list[int]) -> bool:
    """Gaussian elimination mod R: is ``target`` a combination of ``rows``?"""
    basis: list[list[int]] = []
    pivots: list[int] = []

    def reduce(v: list[int]) -> list[int]:
        v = list(v)
        for b, p in zip(basis, pivots, strict=True):
            if v[p]:
                f = v[p]
                v = [(x - f * y) % R for x, y in zip(v, b, strict=True)]
        return v

    for row in rows:
        v = reduce(list(row))
        piv = next((i for i, x in enumerate(v) if x), None)
        if piv is not None:
            inv = pow(v[piv], -1, R)
            v = [x * inv % R for x in v]
            for k, b in enumerate(basis):
                if b[piv]:
                    f = b[piv]
                    basis[k] = [(x - f * y) % R for x, y in zip(b, v, strict=True)]
            basis.append(v)
            pivots.append(piv)
    return not any(reduce(target))


@settings(max_examples=300, deadline=None)
@given(policies, attribute_sets)
def test_span_program_reconstructs_exactly_when_satisfied(text: str, attrs: list[str]) -> None:
    tree = policy.parse(text)
    held = policy.key_attributes(attrs)
    msp = lsss.span_program(tree, R)
    e1 = [1] + [0] * (msp.columns - 1)
    gamma = lsss.coefficients(tree, held, R)
    mine = [row for row, label in zip(msp.rows, msp.labels, strict=True) if label in held]
    if policy.satisfied(tree, held):
        assert gamma is not None
        assert all(msp.labels[i] in held for i in gamma)
        total = [sum(g * msp.rows[i][c] for i, g in gamma.items()) % R for c in range(msp.columns)]
        assert total == e1
    else:
        assert gamma is None
        # The security side: no combination of the rows held reaches e_1.
        assert not _in_row_span(mine, e1)


def test_without_pymcl_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['pymcl'] = None\n"
        "try:\n    import threatmesh.privacy.abe.fame\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc.status, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("MissingExtra 501 CP-ABE needs pymcl"), out.stderr
    assert "threatmesh[abe]" in out.stdout


_TOKENS = [*'ab:()," <>=#0123456789', " and ", " or ", " of "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
def test_any_text_parses_or_says_why(text: str) -> None:
    try:
        tree = policy.parse(text)
    except PolicyError as exc:
        assert exc.status == 400 and exc.message.startswith("policy")
    else:
        assert policy.leaves(tree)
