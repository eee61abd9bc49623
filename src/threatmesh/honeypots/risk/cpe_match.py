"""CPE names matched component by component: the risk engine's default answer to "does
this vulnerability report's CPE name this installed product?".

A stand-in on purpose: it knows CPE 2.3 formatted strings and 2.2 URIs, the ANY (``*``)
and NA (``-``) values and wildcards inside values, not NVD's version ranges. The
inventory side's applicability (NVD configurations with version bounds) plugs into
``risk.facts.host_facts`` as its ``matcher`` where it is available.
"""

from __future__ import annotations

import re

__all__ = ["cpe_applies", "is_cpe23"]


def _components(name: str) -> list[str] | None:
    """A CPE name's components: 2.3 formatted string (``:`` escaped by ``\\``) or a 2.2
    URI; None if it is neither."""
    if name.startswith("cpe:2.3:"):
        parts: list[str] = []
        current, escaped = "", False
        for ch in name[8:]:
            if escaped:
                current, escaped = current + "\\" + ch, False
            elif ch == "\\":
                escaped = True
            elif ch == ":":
                parts, current = [*parts, current], ""
            else:
                current += ch
        return [*parts, current]
    if name.startswith("cpe:/"):
        return [p.replace("%", "") for p in name[5:].split(":")]
    return None


def _matches(pattern: str, value: str) -> bool:
    if pattern in {"*", ""}:
        return True
    if pattern == "-" or value in {"-", "*", ""}:
        return pattern == value
    regex, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            regex.append({"*": ".*", "?": "."}.get(ch, re.escape(ch)))
        i += 1
    return re.fullmatch("".join(regex), value.replace("\\", ""), re.IGNORECASE) is not None


def cpe_applies(pattern: str, installed: str) -> bool:
    """Whether the CPE name ``pattern`` (from a vulnerability report) names the installed
    product ``installed``: component by component, ``*`` (or a missing component)
    matching anything and ``*``/``?`` inside a value as wildcards. Version ranges are not
    CPE names and are not handled here: pass a matcher that knows NVD's configurations
    (the inventory side's) when they matter."""
    want, have = _components(pattern), _components(installed)
    if want is None or have is None:
        return False
    have += ["*"] * (len(want) - len(have))
    return all(_matches(w, h) for w, h in zip(want, have, strict=False))


#: CPE 2.3 parts: application, operating system, hardware.
_PARTS = {"a", "o", "h"}


def is_cpe23(name: str) -> bool:
    """Whether ``name`` is a CPE 2.3 formatted string: ``cpe:2.3:`` then the eleven
    components (part, vendor, product, version, update, edition, language, sw_edition,
    target_sw, target_hw, other), part one of ``a``/``o``/``h``, none empty."""
    if not name.startswith("cpe:2.3:") or any(c.isspace() for c in name):
        return False
    parts = _components(name)
    return parts is not None and len(parts) == 11 and parts[0] in _PARTS and all(parts)
