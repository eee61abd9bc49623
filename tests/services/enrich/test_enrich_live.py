"""``threatmesh enrich run`` against a live server (SQLite and PostgreSQL), checked with
PyMISP: the ASN of an address from a local table, a warninglist hit, a value the
honeypot saw; provenance on what was added; a second run adds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pymisp import MISPEvent, PyMISP

from tests.support import LiveServer

BIN = Path(sys.executable).with_name("threatmesh")
DNS_LIST = "List of known IPv4 public DNS resolvers"


def _event(
    misp: PyMISP, info: str, attrs: list[tuple[str, str]], tag: str | None = None
) -> MISPEvent:
    event = MISPEvent()
    event.info = info
    for kind, value in attrs:
        event.add_attribute(kind, value)
    if tag:
        event.add_tag(tag)
    out = misp.add_event(event, pythonify=True)
    assert isinstance(out, MISPEvent), out
    return out


def _enrich(server: LiveServer, table: Path, *extra: str) -> str:
    args = [str(BIN), "enrich", "run", "--url", server.url, "--key", server.admin_key,
            "-m", f"asn:file={table}", "-m", f"warninglists:lists={DNS_LIST}",
            "-m", "honeypot", *extra]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_modules_enrich_events_once_with_provenance(server: LiveServer, tmp_path: Path) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    table = tmp_path / "ip2asn.tsv"
    table.write_text("8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n")
    report = _event(misp, "Phishing wave", [("ip-dst", "8.8.8.8"), ("ip-dst", "203.0.113.7")])
    session = _event(misp, "SSH Successful Login from 203.0.113.7 (Cowrie Session 0a1b2c3d)",
                     [("ip-src", "203.0.113.7")], tag="cowrie:session")  # fmt: skip

    out = _enrich(server, table)
    assert out == "enriched 2 event(s): 1 attribute(s) added, 2 tag(s) attached"

    event = misp.get_event(report.id, pythonify=True)
    by_value = {a.value: a for a in event.attributes}
    asn = by_value["15169"]
    assert asn.type == "AS" and asn.comment == "asn: from ip-dst 8.8.8.8 (GOOGLE, US)"
    assert [t.name for t in asn.tags] == ['threatmesh:enrichment="asn"']
    assert {t.name for t in by_value["8.8.8.8"].tags} == {f'threatmesh:warninglist="{DNS_LIST}"'}
    assert {t.name for t in by_value["203.0.113.7"].tags} == {'threatmesh:honeypot="seen"'}
    own = misp.get_event(session.id, pythonify=True).attributes[0]
    assert own.tags == []  # a session is not a match of itself

    again = _enrich(server, table, "--event", report.uuid)
    assert again == "enriched 1 event(s): 0 attribute(s) added, 0 tag(s) attached"
    assert len(misp.get_event(report.id, pythonify=True).attributes) == 3


def test_an_unknown_module_or_a_missing_table_is_a_clear_error(server: LiveServer) -> None:
    base = [str(BIN), "enrich", "run", "--url", server.url, "--key", server.admin_key]
    unknown = subprocess.run([*base, "-m", "whois"], capture_output=True, text=True, check=False)
    assert unknown.returncode == 2 and "unknown module 'whois'" in unknown.stderr
    missing = subprocess.run([*base, "-m", "asn"], capture_output=True, text=True, check=False)
    assert missing.returncode == 2
    assert "the asn module needs its table" in missing.stderr
