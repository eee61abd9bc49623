"""docs/api.md's route table and PyMISP compatibility table are what the code makes
(regenerate with ``python -m tests.api.api_doc``)."""

from __future__ import annotations

from tests.api.api_doc import DOC, generated, pymisp_calls


def test_the_tables_in_docs_api_md_are_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert generated(text) == text, "run: python -m tests.api.api_doc"


def test_pymisps_calls_are_read() -> None:
    calls = pymisp_calls()
    assert len(calls) > 100 and ("POST", "events/restSearch") in calls
