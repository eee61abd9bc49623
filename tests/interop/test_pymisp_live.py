"""PyMISP's own live test suite, unchanged, against ``threatmesh serve`` (issue 16).

``tests/testlive_comprehensive.py`` from the PyMISP sdist threatmesh pins (unpacked by
``make pymisp-fixtures``, which ``make test`` runs) is PyMISP's end-to-end test of a real
MISP. For SQLite and for PostgreSQL this test sets up a fresh instance the way the README
says (``threatmesh db upgrade``, ``threatmesh admin init --org ORGNAME``, ``threatmesh
serve``), copies the sdist's ``tests/`` folder (the suite reads its fixtures by relative
path) into a working directory, writes ``keys.py``, switches the suite to ``fast_mode``
(no ``update_misp``, no data downloads), creates an empty ``tests/viper-test-files`` (else
the suite clones it from GitHub) and runs it with pytest in a subprocess, in PyMISP's own
order (alphabetical, one ``TestComprehensive`` instance against one server). The server
sends e-mail (``events/contact``) to an SMTP server on loopback (``tests/mail_sink.py``).

It is a ratchet: every test that is not in ``EXPECTED_FAILURES`` must pass, every test in
it that passes now fails this test until it is removed from the table (the table only
shrinks), the two ``@unittest.skip`` tests must be the only skips, and the server must
answer no request with a 5xx. Only the six tests that need viper-test-files are left in
the table: 78 of 86 pass. Runtime: about two and a half minutes per database (one server,
one run of the suite, which sleeps about 100 s waiting for MISP's workers).

By hand, the same run outside pytest: see docs/api.md, "Testing with the real clients".
"""

from __future__ import annotations

import shutil
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.interop.served import ServedInstance, run_pymisp_suite, served
from tests.mail_sink import MailSink, mail_sink

SUITE = Path(__file__).resolve().parents[2] / ".cache" / "pymisp-tests" / "tests"
LIVE_FILE = "testlive_comprehensive.py"
TOTAL = 86
#: Skipped by PyMISP itself (``@unittest.skip``): never a pass, never a failure.
SKIPPED = {"test_search_logs", "test_versions"}

_VIPER = "needs tests/viper-test-files (not in the sdist; out of scope)"
#: Passes alone (search semantics done, issue 16 WP1): in the full run test_roles_expanded,
#: which runs just before, cannot make its user read-only (admin/users/edit, WP4), so
#: the user's event tagged tlp:white___test stays behind and shifts the counts.
#: The tests allowed to fail today, each with why. Remove a line when its test passes.
EXPECTED_FAILURES: dict[str, str] = {
    "test_add_event_with_attachment": _VIPER,
    "test_add_event_with_attachment_object_controller": _VIPER,
    "test_add_event_with_attachment_object_controller__hard": _VIPER,
    "test_custom_template": _VIPER,
    "test_expansion": _VIPER,
    "test_lief_and_sign": _VIPER,
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one test of the live suite: passed, failed or skipped."""

    status: str
    message: str = ""


def parse_junit(path: Path) -> dict[str, Outcome]:
    """The outcome of each test case (by method name) in a pytest junit XML report.

    A failure or an error (also one raised in ``tearDownClass``, which pytest reports on
    the last test) is a failure."""
    outcomes: dict[str, Outcome] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.attrib["name"]
        bad = [c for c in case if c.tag in ("failure", "error")]
        if bad:
            outcomes[name] = Outcome("failed", bad[0].attrib.get("message", "")[:300])
        elif case.find("skipped") is not None:
            outcomes[name] = Outcome("skipped")
        else:
            outcomes[name] = Outcome("passed")
    return outcomes


def ratchet_problems(
    outcomes: dict[str, Outcome], expected: dict[str, str], skipped: set[str]
) -> list[str]:
    """Every way ``outcomes`` breaks the ratchet; empty when it holds."""
    problems = [
        f"{name} fails and is not in EXPECTED_FAILURES: {o.message}"
        for name, o in sorted(outcomes.items())
        if o.status == "failed" and name not in expected
    ]
    problems += [
        f"{name} now passes: remove it from EXPECTED_FAILURES"
        for name, o in sorted(outcomes.items())
        if o.status == "passed" and name in expected
    ]
    got_skips = {name for name, o in outcomes.items() if o.status == "skipped"}
    if got_skips != skipped:
        problems.append(f"skipped {sorted(got_skips)}, expected exactly {sorted(skipped)}")
    problems += [
        f"{name} is in EXPECTED_FAILURES but did not run"
        for name in expected.keys() - outcomes.keys()
    ]
    return problems


def summary(kind: str, outcomes: dict[str, Outcome]) -> str:
    """``pymisp live suite on <db>: N passed, M failed, K skipped of 86``."""
    count = {
        s: sum(o.status == s for o in outcomes.values()) for s in ("passed", "failed", "skipped")
    }
    return (
        f"pymisp live suite on {kind}: {count['passed']} passed, {count['failed']} failed, "
        f"{count['skipped']} skipped of {TOTAL}"
    )


def _workdir(tmp_path: Path, server: ServedInstance) -> Path:
    """The sdist's tests folder next to the live file (fast mode) and ``keys.py``."""
    if not (SUITE / LIVE_FILE).exists():
        pytest.fail(f"{SUITE / LIVE_FILE} is missing: run `make pymisp-fixtures` (make test does)")
    work = tmp_path / "live"
    shutil.copytree(SUITE, work / "tests")
    (work / "tests" / "viper-test-files").mkdir()
    source = (SUITE / LIVE_FILE).read_text(encoding="utf-8")
    assert source.count("\nfast_mode = False\n") == 1, "the live suite's fast_mode line moved"
    live = source.replace("\nfast_mode = False\n", "\nfast_mode = True\n")
    (work / LIVE_FILE).write_text(live, encoding="utf-8")
    (work / "keys.py").write_text(f"url = {server.url!r}\nkey = {server.admin_key!r}\n")
    # An empty ini: the rootdir is here, none of threatmesh's pytest options apply.
    (work / "pytest.ini").write_text("[pytest]\n")
    return work


def _mail(sink: MailSink) -> dict[str, str]:
    """The server's mail settings: ``sink`` is its mail server (events/contact)."""
    return {
        "THREATMESH_SMTP_HOST": sink.host,
        "THREATMESH_SMTP_PORT": str(sink.port),
        "THREATMESH_SMTP_FROM": "misp@threatmesh.test",
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_pymisp_live_suite(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """PyMISP's live suite: the ratchet holds and no request got a 5xx."""
    with mail_sink() as sink, served(kind, tmp_path, library=True, settings=_mail(sink)) as server:
        work = _workdir(tmp_path, server)
        junit, console = run_pymisp_suite(work, LIVE_FILE, timeout=900)
        server_errors = server.server_errors()
        log = server.log
    # test_simple_event's last step: events/contact e-mailed the event's reporter.
    assert any("Need info about event" in m.message["Subject"] for m in sink.messages())
    outcomes = parse_junit(junit)
    line = summary(kind, outcomes)
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")
    assert len(outcomes) == TOTAL, f"{line}: the suite ran {len(outcomes)} tests ({console})"
    problems = ratchet_problems(outcomes, EXPECTED_FAILURES, SKIPPED)
    problems += [f"server error: {e}" for e in server_errors]
    assert not problems, f"{line}\n" + "\n".join(problems) + f"\n(console {console}, log {log})"


JUNIT = """<testsuites><testsuite name="pytest">
<testcase classname="t.TestComprehensive" name="test_a"/>
<testcase classname="t.TestComprehensive" name="test_b"><failure message="KeyError: 0"/></testcase>
<testcase classname="t.TestComprehensive" name="test_c"><skipped message="skip"/></testcase>
<testcase classname="t.TestComprehensive" name="test_d"><error message="failed on teardown"/>
</testcase>
</testsuite></testsuites>"""


def test_ratchet_reading_of_a_junit_report(tmp_path: Path) -> None:
    """The ratchet on a small report: an error (tearDownClass) is a failure; a listed test
    that passes, an unlisted failure, an unexpected skip and a stale name are reported."""
    (tmp_path / "j.xml").write_text(JUNIT)
    outcomes = parse_junit(tmp_path / "j.xml")
    assert {n: o.status for n, o in outcomes.items()} == {
        "test_a": "passed", "test_b": "failed", "test_c": "skipped", "test_d": "failed",
    }  # fmt: skip
    assert outcomes["test_b"].message == "KeyError: 0"
    assert ratchet_problems(outcomes, {"test_b": "x", "test_d": "y"}, {"test_c"}) == []
    assert summary("sqlite", outcomes) == (
        f"pymisp live suite on sqlite: 1 passed, 2 failed, 1 skipped of {TOTAL}"
    )
    assert ratchet_problems(outcomes, {"test_a": "x", "test_b": "y", "test_e": "z"}, set()) == [
        "test_d fails and is not in EXPECTED_FAILURES: failed on teardown",
        "test_a now passes: remove it from EXPECTED_FAILURES",
        "skipped ['test_c'], expected exactly []",
        "test_e is in EXPECTED_FAILURES but did not run",
    ]
