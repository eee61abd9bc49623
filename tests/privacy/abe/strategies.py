"""Hypothesis strategies for policies and attribute sets over a small universe."""

from __future__ import annotations

from hypothesis import strategies as st

ATTRIBUTES = ["org:CIRCL", "org:CERT", "sector:finance", "country:BE", "role:analyst"]
OPS = [">=", ">", "<=", "<", "=="]


def _leaf() -> st.SearchStrategy[str]:
    plain = st.sampled_from(ATTRIBUTES)
    numeric = st.builds(
        lambda op, v: f"trust{op}{v}", st.sampled_from(OPS), st.integers(min_value=1, max_value=6)
    )
    return st.one_of(plain, plain, numeric)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def gate(kind: str, parts: list[str], k: int) -> str:
        if kind == "of":
            return f"{min(k, len(parts))} of ({', '.join(parts)})"
        return "(" + f" {kind} ".join(parts) + ")"

    return st.builds(
        gate,
        st.sampled_from(["and", "or", "of"]),
        st.lists(children, min_size=2, max_size=3),
        st.integers(min_value=1, max_value=3),
    )


policies = st.recursive(_leaf(), _combine, max_leaves=6)
attribute_sets = st.builds(
    lambda names, trust: [*names, f"trust={trust}"],
    st.lists(st.sampled_from(ATTRIBUTES), unique=True),
    st.integers(min_value=0, max_value=7),
)
