"""The inventory's documents, CPE checks and matching (pure)."""

from __future__ import annotations

import re

import pytest

from threatmesh.honeypots.inventory import (
    Exposure,
    Host,
    hosts_running,
    inventory_event,
    parse_document,
)
from threatmesh.honeypots.risk.facts import inventory_of
from threatmesh.model.errors import InvalidInput

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"


def test_yaml_and_json_documents_agree() -> None:
    yaml_text = f"hosts:\n  - name: web-01\n    exposure: internet\n    software: ['{APACHE}']\n"
    json_text = f'[{{"name": "web-01", "exposure": "internet", "software": ["{APACHE}"]}}]'
    assert (
        parse_document(yaml_text)
        == parse_document(json_text)
        == [Host("web-01", (APACHE,), Exposure.INTERNET)]
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("hosts: [{name: 'bad name'}]", "hosts[0].name"),
        ("hosts: [{name: a, software: ['cpe:2.3:a:apache']}]", "hosts[0].software[0]"),
        ("hosts: [{name: a, software: ['cpe:2.3:x:a:b:1:*:*:*:*:*:*:*']}]", "hosts[0].software[0]"),
        ("hosts: [{name: a, colour: red}]", "hosts[0].colour"),
        ("{not json", "inventory"),
    ],
)
def test_errors_name_the_field(text: str, where: str) -> None:
    with pytest.raises(InvalidInput, match="^" + re.escape(where)):
        parse_document(text)


def test_matching_and_the_misp_event() -> None:
    web = Host("web-01", (APACHE,))
    ssh = Host("ssh-01", ("cpe:2.3:a:libssh:libssh:0.7.6:*:*:*:*:*:*:*",))
    found = hosts_running([web, ssh], ["cpe:2.3:a:apache:http_server:2.4.49"])
    assert found == [(web, APACHE)]
    assert hosts_running([web, ssh], ["cpe:2.3:a:apache:http_server:2.4.50"]) == []
    inventory = inventory_of(inventory_event(web))
    assert inventory is not None and (inventory.host, inventory.cpes) == ("web-01", (APACHE,))
