"""Real MISP events for the anonymizer tests: PyMISP's own fixtures (CIRCL OSINT events),
unpacked from PyMISP's sdist by ``make pymisp-fixtures`` (``make test`` does it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2] / ".cache" / "pymisp-tests" / "tests"
#: "OSINT - ASERT Threat Intelligence Report 2016-03 The Four-Element Sword Engagement"
#: by CIRCL: 370 attributes (IPs, domains, hostnames, hashes, URLs, text).
CIRCL_OSINT = "reportlab_testfiles/long_event.json"


def pymisp_event(name: str = CIRCL_OSINT) -> dict[str, Any]:
    """The inner event dict of one PyMISP fixture; fails (does not skip) when absent."""
    path = ROOT / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make pymisp-fixtures` (make test does)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    event: dict[str, Any] = doc.get("Event", doc)
    return event
