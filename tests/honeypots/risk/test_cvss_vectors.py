"""CVSS vectors: base scores against FIRST's published examples."""

from __future__ import annotations

import pytest

from threatmesh.honeypots.risk.cvss_vectors import AttackVector, parse_vector
from threatmesh.model.errors import InvalidInput


@pytest.mark.parametrize(
    ("vector", "version", "av", "score"),
    [
        # NVD's scores of well-known CVEs.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", "N", 10.0),  # Log4Shell
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", "N", 9.8),  # CVE-2022-26134
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1", "N", 7.5),  # CVE-2021-41773
        ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "3.0", "L", 7.8),  # CVE-2021-3156
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", "3.1", "N", 3.7),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", "3.1", "P", 0.0),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", "N", 7.5),
        ("AV:N/AC:M/Au:N/C:N/I:P/A:N", "2.0", "N", 4.3),
        ("(AV:L/AC:L/Au:N/C:C/I:C/A:C)", "2.0", "L", 7.2),
    ],
)
def test_base_scores(vector: str, version: str, av: str, score: float) -> None:
    parsed = parse_vector(vector)
    assert (parsed.version, parsed.attack_vector, parsed.base_score) == (
        version,
        AttackVector(av),
        score,
    )


def test_version_4_gives_the_attack_vector_only() -> None:
    parsed = parse_vector("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert (parsed.attack_vector, parsed.base_score) == (AttackVector.ADJACENT, None)


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L",
        "CVSS:9.9/AV:N",
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "not a vector",
        "",
    ],
)
def test_bad_vectors_name_themselves(vector: str) -> None:
    with pytest.raises(InvalidInput, match="CVSS vector"):
        parse_vector(vector)


def test_exploit_code_maturity_is_kept() -> None:
    assert parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:O").exploit == "F"
    assert parse_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C").exploit == "POC"
    assert parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X").exploit == ""
