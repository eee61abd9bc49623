"""``threatmesh enrich run`` against a live server (SQLite and PostgreSQL), checked with
PyMISP: the ASN of an address from a local table, a warninglist hit, a value the
honeypot saw; provenance on what was added; a second run adds nothing."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

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


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def test_stream_mode_enriches_events_as_they_are_written(
    server: LiveServer, tmp_path: Path
) -> None:
    """``enrich run --stream`` is listening before the event exists and enriches it from
    the stream's notification alone; SIGTERM stops it with its totals."""
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    table = tmp_path / "ip2asn.tsv"
    table.write_text("8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n")
    args = [str(BIN), "enrich", "run", "--url", server.url, "--key", server.admin_key,
            "-m", f"asn:file={table}", "--stream"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    out: queue.Queue[str | None] = queue.Queue()
    err: queue.Queue[str | None] = queue.Queue()
    for stream, into in ((proc.stdout, out), (proc.stderr, err)):
        threading.Thread(target=_lines, args=(stream, into), daemon=True).start()
    try:
        assert err.get(timeout=120) == f"listening to {server.url}/stream/events"
        event = _event(misp, "Resolver abuse", [("ip-dst", "8.8.8.8")])
        # The first line about the event: the enrichment it brought.
        line = out.get(timeout=120)
        assert line == f"{event.uuid}: 1 attribute(s) added, 0 tag(s) attached"
        values = {a.type: a.value for a in misp.get_event(event.id, pythonify=True).attributes}
        assert values == {"ip-dst": "8.8.8.8", "AS": "15169"}
        # Its own addition comes back on the stream and adds nothing more.
        line = out.get(timeout=120)
        assert line == f"{event.uuid}: 0 attribute(s) added, 0 tag(s) attached"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0
    rest = list(iter(out.get, None))
    assert rest == ["enriched 2 event(s): 1 attribute(s) added, 0 tag(s) attached"]
    proc.stdout.close()
    proc.stderr.close()
