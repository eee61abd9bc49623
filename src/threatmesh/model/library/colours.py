"""MISP's tag colours for generated tags (``Lib/Tools/ColourPaletteTool.php``).

A taxonomy's tags get shades of one hue derived from the namespace: the hue is the sum of
the name's ASCII codes modulo 100 (or, for a UUID, its last group scaled to 0..1), the
value steps from 20% to 100% across the tags.
"""

from __future__ import annotations

import math
import re

from threatmesh.model.library.php import round_half_up

__all__ = ["hsv_to_rgb", "palette_from_string"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_MAX_UUID_GROUP = 0xFFFFFFFFFFFF


def _channel(value: float) -> str:
    # PHP's round() (halves away from zero), then dechex with a leading zero.
    return f"{math.floor(value * 255 + 0.5):02x}"


def hsv_to_rgb(hue: float, saturation: float, value: float) -> str:
    """``#rrggbb`` for a colour given as hue, saturation and value, each in 0..1."""
    h = hue * 6
    sector = math.floor(h)
    f = h - sector
    m = value * (1 - saturation)
    n = value * (1 - saturation * f)
    k = value * (1 - saturation * (1 - f))
    rgb = {
        0: (value, k, m),
        1: (n, value, m),
        2: (m, value, k),
        3: (m, n, value),
        4: (k, m, value),
    }.get(sector, (value, m, n))
    return "#" + "".join(_channel(c) for c in rgb)


def _hue(text: str) -> float:
    if _UUID.match(text):
        return round_half_up(int(text.split("-")[4], 16) / _MAX_UUID_GROUP, 2)
    # mb_convert_encoding(..., 'ASCII') turns every other character into "?".
    total = sum(ord(c) if ord(c) < 128 else ord("?") for c in text)
    return total % 100 / 100


def palette_from_string(text: str, items: int) -> list[str]:
    """``items`` shades of the hue of ``text`` (``generatePaletteFromString``)."""
    if items <= 0:
        return []
    hue = _hue(text)
    steps = 80 / items
    return [hsv_to_rgb(hue, 1, (20 + steps * (i + 1)) / 100) for i in range(items)]
