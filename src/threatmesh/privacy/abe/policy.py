"""Access policies: parse, expand numeric comparisons, evaluate.

Grammar (keywords case-insensitive; ``and`` binds tighter than ``or``)::

    policy     := and_expr ("or" and_expr)*
    and_expr   := atom ("and" atom)*
    atom       := "(" policy ")"
                | NUMBER "of" "(" policy ("," policy)* ")"     k-of-n threshold
                | NAME OP NUMBER                                 trust>=3
                | ATTRIBUTE                                      org:CIRCL, "org:Some Org"
    OP         := ">=" | ">" | "<=" | "<" | "=="

A policy becomes a tree of :class:`Leaf` (one attribute) and :class:`Gate` (k of its
children; AND is n-of-n, OR is 1-of-n). Numeric comparisons use the bag-of-bits encoding
of Bethencourt, Sahai and Waters (S&P 2007): a key holding ``trust=5`` carries one
attribute per bit (``trust#7=0`` ... ``trust#0=1``), and ``trust>=3`` becomes a tree of
AND/OR gates over those bit attributes. Values are unsigned integers of
:data:`NUMERIC_BITS` bits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from threatmesh.privacy.abe.errors import PolicyError

NUMERIC_BITS = 8
MAX_POLICY_CHARS = 4096
MAX_DEPTH = 32
_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[(),])|(?P<op>>=|<=|==|>|<)|"(?P<quoted>[^"]*)"|(?P<word>[^\s(),<>="#]+))'
)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Leaf:
    """One attribute the key must hold."""

    attribute: str


@dataclass(frozen=True, slots=True)
class Gate:
    """At least ``threshold`` of ``children`` must be satisfied."""

    threshold: int
    children: tuple[Node, ...]


Node = Leaf | Gate
# Constant results of simplifying numeric comparisons (e.g. ``trust>=0``).
_TRUE = Gate(0, ())
_FALSE = Gate(1, ())


def check_attribute(name: str) -> str:
    """``name`` if it may be used as an attribute, else :class:`PolicyError`."""
    if not name or len(name) > 255 or name != name.strip() or any(c in name for c in '#"\n'):
        raise PolicyError(f"{name!r} is not a valid attribute (1-255 characters, no '#' or '\"')")
    return name


def bit_attributes(name: str, value: int) -> list[str]:
    """The bag-of-bits attributes a key holding ``name=value`` carries."""
    if not _NAME.fullmatch(name):
        raise PolicyError(f"{name!r} is not a numeric attribute name (lower-case letters, _)")
    if not 0 <= value < 2**NUMERIC_BITS:
        raise PolicyError(f"{name}={value}: numeric values are 0..{2**NUMERIC_BITS - 1}")
    return [f"{name}#{i}={(value >> i) & 1}" for i in reversed(range(NUMERIC_BITS))]


def _gate(threshold: int, children: list[Node]) -> Node:
    """A gate, simplified: constants folded, single children lifted."""
    kept = [c for c in children if c not in (_TRUE, _FALSE)]
    threshold -= sum(1 for c in children if c == _TRUE)
    if threshold <= 0:
        return _TRUE
    if threshold > len(kept):
        return _FALSE
    if len(kept) == 1:
        return kept[0]
    return Gate(threshold, tuple(kept))


def _at_least(name: str, c: int) -> Node:
    """``name >= c`` over the bits of ``name``, most significant bit first."""
    node: Node = _TRUE
    for i in range(NUMERIC_BITS):  # build from the least significant bit upwards
        bit = Leaf(f"{name}#{i}=1")
        node = _gate(2, [bit, node]) if (c >> i) & 1 else _gate(1, [bit, node])
    return node


def comparison(name: str, op: str, value: int) -> Node:
    """The tree for ``name op value``."""
    bit_attributes(name, 0)  # checks the name
    top = 2**NUMERIC_BITS
    if not 0 <= value < top:
        raise PolicyError(f"{name}{op}{value}: numeric values are 0..{top - 1}")
    if op == ">=":
        return _at_least(name, value)
    if op == ">":
        return _FALSE if value + 1 >= top else _at_least(name, value + 1)
    if op in ("<", "<="):
        bound = value if op == "<" else value + 1
        # x < bound is "not x >= bound": the same walk over the complemented bits.
        return _TRUE if bound >= top else _below(name, bound)
    return _gate(NUMERIC_BITS, [Leaf(a) for a in bit_attributes(name, value)])


def _below(name: str, c: int) -> Node:
    node: Node = _FALSE
    for i in range(NUMERIC_BITS):
        bit = Leaf(f"{name}#{i}=0")
        node = _gate(1, [bit, node]) if (c >> i) & 1 else _gate(2, [bit, node])
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_POLICY_CHARS:
            raise PolicyError(f"policy: longer than {MAX_POLICY_CHARS} characters")
        self.tokens = self._tokenize(text)
        self.pos = 0
        self.depth = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        out, pos = [], 0
        while pos < len(text):
            if text[pos:].isspace():
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise PolicyError(f"policy: unexpected character at position {pos}")
            kind = m.lastgroup or "word"
            out.append((kind, m.group(kind)))
            pos = m.end()
        return out

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise PolicyError("policy: ends too early")
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got = self.take()
        if got.lower() != value or kind == "quoted":
            raise PolicyError(f"policy: expected {value!r}, found {got!r}")

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "word" and tok[1].lower() == word:
            self.pos += 1
            return True
        return False

    def policy(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PolicyError(f"policy: nested deeper than {MAX_DEPTH}")
        parts = [self.and_expr()]
        while self.keyword("or"):
            parts.append(self.and_expr())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else _gate(1, parts)

    def and_expr(self) -> Node:
        parts = [self.atom()]
        while self.keyword("and"):
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else _gate(len(parts), parts)

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "punct" and text == "(":
            node = self.policy()
            self.expect(")")
            return node
        if kind == "word" and text.isdigit() and self.keyword("of"):
            return self.threshold(int(text))
        if kind == "quoted":
            return Leaf(check_attribute(text))
        if kind != "word" or text.lower() in ("and", "or", "of"):
            raise PolicyError(f"policy: expected an attribute, found {text!r}")
        nxt = self.peek()
        if nxt is not None and nxt[0] == "op":
            self.pos += 1
            _, number = self.take()
            if not number.isdigit():
                raise PolicyError(f"policy: {text}{nxt[1]} needs a number, found {number!r}")
            return comparison(text, nxt[1], int(number))
        return Leaf(check_attribute(text))

    def threshold(self, k: int) -> Node:
        self.expect("(")
        children = [self.policy()]
        while self.peek() == ("punct", ","):
            self.pos += 1
            children.append(self.policy())
        self.expect(")")
        if not 1 <= k <= len(children):
            raise PolicyError(f"policy: {k} of {len(children)} is not a threshold (1..n)")
        return _gate(k, children)


def parse(text: str) -> Node:
    """The policy tree of ``text``; :class:`PolicyError` says what is wrong and where."""
    parser = _Parser(text)
    if not parser.tokens:
        raise PolicyError("policy: empty")
    try:
        node = parser.policy()
    except PolicyError as exc:
        if exc.message.startswith("policy"):
            raise
        raise PolicyError(f"policy: {exc.message}") from None
    rest = parser.peek()
    if rest is not None:
        raise PolicyError(f"policy: unexpected {rest[1]!r} after the end")
    if node == _TRUE:
        raise PolicyError("policy: always satisfied; it would protect nothing")
    if node == _FALSE:
        raise PolicyError("policy: never satisfiable")
    return node


def satisfied(node: Node, attributes: frozenset[str]) -> bool:
    """Whether a key holding ``attributes`` (bit attributes expanded) satisfies ``node``."""
    if isinstance(node, Leaf):
        return node.attribute in attributes
    return sum(1 for c in node.children if satisfied(c, attributes)) >= node.threshold


def leaves(node: Node) -> list[str]:
    """The attributes of ``node``'s leaves, left to right (with repetitions)."""
    if isinstance(node, Leaf):
        return [node.attribute]
    return [a for c in node.children for a in leaves(c)]


def key_attributes(attributes: list[str]) -> frozenset[str]:
    """A key's attribute set: ``name=value`` entries expanded into their bits."""
    out: set[str] = set()
    for attr in attributes:
        name, sep, value = attr.partition("=")
        if sep and _NAME.fullmatch(name) and value.isdigit():
            out.update(bit_attributes(name, int(value)))
        else:
            out.add(check_attribute(attr))
    return frozenset(out)
