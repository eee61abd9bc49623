"""The two generated tables of docs/api.md: the routes this server answers, and every MISP
endpoint PyMISP calls with whether it is served here.

``python -m tests.api.api_doc`` rewrites both tables in docs/api.md (between their
``<!-- ...:begin -->`` and ``<!-- ...:end -->`` markers); ``test_api_doc.py`` fails when the
file differs from what this module generates, so the tables cannot drift from the code.
The second table reads PyMISP's own ``api.py`` (the pinned version): every
``_prepare_request(METHOD, 'path')`` with a literal path; an f-string's ``{...}`` stands for
one path segment. ``NOTES`` says where a served endpoint differs from MISP.
"""

from __future__ import annotations

import re
from pathlib import Path

import pymisp
from fastapi.routing import APIRoute, iter_route_contexts

from threatmesh.api.app import create_app
from threatmesh.api.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
CALL = re.compile(r"""_prepare_request\(\s*'([A-Z]+)',\s*f?['"]([^'"]+)['"]""")
#: Paths PyMISP builds first and requests after (``url = f'users/edit/{uid}'``): any method.
ASSIGNED = re.compile(r"""\b(?:url|request_url|url_path)\s*=\s*f?'([a-zA-Z_/][^']*)'""")
#: ``search()`` requests ``{controller}/restSearch`` for these controllers.
SEARCH_CONTROLLERS = ("events", "attributes", "objects")

#: Served, but not as MISP does in every respect (the PyMISP path as it appears in api.py).
NOTES: dict[str, str] = {
    "events/restSearch": "returnFormat json, csv, text, stix, stix-xml, stix2 (the STIX "
    "ones with the stix extra); decay scores on attributes (no event_scores); no "
    "searchall or quickFilter yet",
    "attributes/restSearch": "as events/restSearch",
    "objects/restSearch": "returnFormat json only; first_seen/last_seen filters ignored",
    "feeds/cacheFeeds/{scope}": "answers MISP's message; nothing is fetched or cached",
    "feeds/compareFeeds": "always []: no feed is cached",
    "events/pushEventToZMQ/{event_id}.json": "published on threatmesh's event bus "
    "(NATS / the event stream), not ZeroMQ",
}


def _routes() -> list[tuple[str, set[str], APIRoute]]:
    """(path, methods, route) of every documented route (routers included)."""
    app = create_app(Settings(database_url="sqlite://", data_dir=Path("/nonexistent")))
    return [
        (str(ctx.path_format), set(ctx.methods or ()), ctx.original_route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute) and ctx.original_route.include_in_schema
    ]


def routes_table() -> str:
    """Markdown: one row per endpoint function (its paths and methods, its summary)."""
    rows: dict[tuple[str, str], list[str]] = {}
    for path, methods, route in _routes():
        summary = (route.endpoint.__doc__ or "").strip().split("\n\n")[0]
        summary = " ".join(summary.split())
        key = (f"{route.endpoint.__module__}.{route.endpoint.__name__}", summary)
        for method in sorted(methods):
            rows.setdefault(key, []).append(f"{method} `{path}`")
    lines = ["| method and path | what it does |", "|---|---|"]
    for (_name, summary), paths in rows.items():
        cell = summary.replace("|", "\\|")
        lines.append(f"| {'<br>'.join(dict.fromkeys(paths))} | {cell} |")
    return "\n".join(lines)


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    out = ""
    for part in parts:
        if part.startswith("{") and part.endswith(":path}"):
            out += ".+"
        elif part.startswith("{"):
            out += "[^/]+"
        else:
            out += re.escape(part)
    return re.compile(f"^{out}$")


def pymisp_calls() -> list[tuple[str, str]]:
    """(method, path) of every literal-path request PyMISP's api.py makes, in its order
    (``*``: a path built first, requested with the method of the call that follows)."""
    source = (Path(pymisp.__file__).parent / "api.py").read_text(encoding="utf-8")
    calls = CALL.findall(source) + [("*", path) for path in ASSIGNED.findall(source)]
    calls += [("POST", f"{c}/restSearch") for c in SEARCH_CONTROLLERS]
    return list(dict.fromkeys(calls))


def pymisp_table() -> str:
    """Markdown: each PyMISP call, served here or not, and what differs."""
    served = [(methods, _pattern(path)) for path, methods, _route in _routes()]
    lines = [f"PyMISP {pymisp.__version__}: {{served}} of {{total}} endpoints served.", "",
             "| PyMISP calls | here | what differs |", "|---|---|---|"]  # fmt: skip
    count = 0
    calls = pymisp_calls()
    for method, path in calls:
        probe = "/" + re.sub(r"\{[^}]+\}", "X1", path).lstrip("/")
        ok = any(
            (method == "*" or method in methods) and pattern.match(probe)
            for methods, pattern in served
        )
        count += ok
        status = ("partial" if path in NOTES else "works") if ok else "not served"
        lines.append(f"| {method} `{path}` | {status} | {NOTES.get(path, '') if ok else ''} |")
    lines[0] = lines[0].format(served=count, total=len(calls))
    return "\n".join(lines)


def live_suite_table() -> str:
    """Markdown: the tests of PyMISP's live suite that fail here, and why (the ratchet's
    ``EXPECTED_FAILURES``)."""
    from tests.interop.test_pymisp_live import EXPECTED_FAILURES, SKIPPED, TOTAL

    passing = TOTAL - len(EXPECTED_FAILURES) - len(SKIPPED)
    lines = [f"{passing} of its {TOTAL} tests pass on SQLite and on PostgreSQL; "
             f"{len(SKIPPED)} are skipped by PyMISP itself; these fail:", "",
             "| test | why |", "|---|---|"]  # fmt: skip
    for name, why in sorted(EXPECTED_FAILURES.items()):
        cell = why.replace("|", "\\|")
        lines.append(f"| `{name}` | {cell} |")
    return "\n".join(lines)


def _replace(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def generated(text: str) -> str:
    """``text`` (docs/api.md) with both tables as the code makes them."""
    text = _replace(_replace(text, "routes", routes_table()), "pymisp", pymisp_table())
    return _replace(text, "live", live_suite_table())


if __name__ == "__main__":
    DOC.write_text(generated(DOC.read_text(encoding="utf-8")), encoding="utf-8")
