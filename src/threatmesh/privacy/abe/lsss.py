"""Policy trees as monotone span programs (linear secret sharing), Lewko-Waters style.

Each node carries a vector; the root carries ``(1, 0, ..., 0)``. OR (1-of-n) passes its
vector ``v`` on. AND (n-of-n) adds ``n - 1`` fresh columns and is Lewko-Waters' chain of
binary ANDs (rows with entries 0 and +-1). A proper threshold k-of-n (1 < k < n) adds
``k - 1`` fresh columns and gives its i-th child ``v || (i, i^2, ..., i^(k-1))``: the
child's share is a degree ``k - 1`` Shamir polynomial at ``i`` whose constant term is the
gate's share. A set of rows can reconstruct the secret (``sum(gamma_i * M_i) = e_1``) exactly
when its labels satisfy the tree; :func:`coefficients` finds ``gamma`` by walking the
tree with Lagrange coefficients, so decryption never solves a linear system.
"""

from __future__ import annotations

from dataclasses import dataclass

from threatmesh.privacy.abe.policy import Gate, Leaf, Node, leaves, satisfied


@dataclass(frozen=True, slots=True)
class SpanProgram:
    """The matrix ``rows`` (entries mod ``modulus``) and the attribute of each row."""

    labels: tuple[str, ...]
    rows: tuple[tuple[int, ...], ...]
    columns: int


def span_program(node: Node, modulus: int) -> SpanProgram:
    """The span program of ``node``; row i belongs to the i-th leaf (left to right)."""
    labels: list[str] = []
    vectors: list[list[int]] = []
    columns = 1

    def visit(n: Node, vector: list[int]) -> None:
        nonlocal columns
        if isinstance(n, Leaf):
            labels.append(n.attribute)
            vectors.append(vector)
            return
        first = columns
        columns += n.threshold - 1
        for i, child in enumerate(n.children, start=1):
            visit(child, _child_vector(n, i, vector, first, modulus))

    visit(node, [1])
    rows = tuple(tuple(v + [0] * (columns - len(v))) for v in vectors)
    return SpanProgram(tuple(labels), rows, columns)


def _child_vector(gate: Gate, i: int, vector: list[int], first: int, modulus: int) -> list[int]:
    """The vector of the i-th child (1-based) of ``gate``, whose own vector is ``vector``
    and whose fresh columns start at index ``first``."""
    k, n = gate.threshold, len(gate.children)
    if k == 1:
        return vector
    pad = [0] * (first - len(vector))
    if k == n:
        # AND, as Lewko-Waters chain binary ANDs: child 1 gets v || 1, child i gets
        # -1 in column i-1 and 1 in column i, the last child -1: the rows sum to v, and
        # entries of 0 and +-1 make encryption additions rather than multiplications.
        fresh = [0] * (k - 1)
        if i < n:
            fresh[i - 1] = 1
        if i > 1:
            fresh[i - 2] = modulus - 1
        return (vector + pad if i == 1 else [0] * first) + fresh
    return vector + pad + [pow(i, e, modulus) for e in range(1, k)]


def _lagrange_at_zero(points: list[int], i: int, modulus: int) -> int:
    num, den = 1, 1
    for j in points:
        if j != i:
            num = num * j % modulus
            den = den * (j - i) % modulus
    return num * pow(den, -1, modulus) % modulus


def coefficients(node: Node, attributes: frozenset[str], modulus: int) -> dict[int, int] | None:
    """Rows and ``gamma`` with ``sum(gamma_i * M_i) = e_1`` using only rows whose
    attribute is in ``attributes``; None when the attributes do not satisfy ``node``."""
    if not satisfied(node, attributes):
        return None
    out: dict[int, int] = {}

    def visit(n: Node, offset: int, weight: int) -> None:
        if isinstance(n, Leaf):
            out[offset] = (out.get(offset, 0) + weight) % modulus
            return
        starts, pos = [], offset
        for child in n.children:
            starts.append(pos)
            pos += len(leaves(child))
        chosen = [i for i, c in enumerate(n.children, start=1) if satisfied(c, attributes)]
        chosen = chosen[: n.threshold]
        every = n.threshold in (1, len(n.children))  # OR, AND: coefficients are all 1
        for i in chosen:
            lam = 1 if every else _lagrange_at_zero(chosen, i, modulus)
            visit(n.children[i - 1], starts[i - 1], weight * lam % modulus)

    visit(node, 0, 1)
    return out


__all__ = ["Gate", "SpanProgram", "coefficients", "span_program"]
