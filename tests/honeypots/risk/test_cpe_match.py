"""The risk engine's default CPE matcher."""

from __future__ import annotations

import pytest

from threatmesh.honeypots.risk.cpe_match import cpe_applies

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("pattern", "installed", "expected"),
    [
        (APACHE, APACHE, True),
        ("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", APACHE, True),
        ("cpe:2.3:a:apache:http_server:2.4.4?:*:*:*:*:*:*:*", APACHE, True),
        ("cpe:2.3:a:Apache:HTTP_Server:2.4.49", APACHE, True),  # short, any case
        ("cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*", APACHE, False),
        ("cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*", APACHE, False),
        ("cpe:2.3:o:apache:http_server:*:*:*:*:*:*:*:*", APACHE, False),
        ("cpe:/a:apache:http_server:2.4.49", APACHE, True),  # 2.2 URI
        ("cpe:2.3:a:apache:http_server:2.4.49:-:*:*:*:*:*:*", APACHE, False),  # NA vs ANY
        # An installed product with an unknown version matches no specific version.
        ("cpe:2.3:a:apache:http_server:2.4.49", "cpe:2.3:a:apache:http_server:*", False),
        (
            r"cpe:2.3:a:microsoft:\.net_framework:4.8",
            r"cpe:2.3:a:microsoft:\.net_framework:4.8",
            True,
        ),
        (r"cpe:2.3:a:x:a\:b:1", r"cpe:2.3:a:x:a\:b:1:*", True),  # an escaped colon
        ("not a cpe", APACHE, False),
    ],
)
def test_matches(pattern: str, installed: str, expected: bool) -> None:
    assert cpe_applies(pattern, installed) is expected
