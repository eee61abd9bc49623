"""MISP knowledge library: parse times, warninglist index build and lookup cost.

Part 1: wall time to parse each kind of packaged data into ``model.library`` records
(galaxies and their 45k clusters, 180 taxonomies, 119 warninglists with 2.5M entries,
432 object templates, the vendored lists), each measured once in this process.

Part 2: building the matcher over all 119 warninglists (every list enabled: the worst
case) and the median cost of one attribute lookup (``WarninglistMatcher.hits``) over a
fixed mix of values (IPv4/IPv6 in and out of lists, hostnames, URLs, hashes, e-mails),
next to pymispwarninglists' own ``WarningLists(slow_search=True).search`` (the
baseline: it scans hostname and substring lists linearly and ignores attribute types).
Peak Python memory of the built matcher is measured with ``tracemalloc``.

Part 3: loading each kind into a database as ``threatmesh library update`` (and each
kind's ``update`` endpoint) does, on a fresh migrated SQLite file (and PostgreSQL with
``--pg-url`` naming an empty database), next to the raw parse of the same kind: the
first load (everything new) and a second one (nothing new, MISP's "up to date").

Run ``python -m bench.library`` (``--quick`` skips the baseline's lookups,
``--no-db`` part 3).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from bench.common import machine
from pymispwarninglists import WarningLists

from threatmesh.formats.freetext import check_free_text
from threatmesh.model.library.communities import load_communities
from threatmesh.model.library.decaying_models import load_decaying_models
from threatmesh.model.library.feeds import load_default_feeds
from threatmesh.model.library.galaxies import load_cluster_packages, load_galaxies
from threatmesh.model.library.noticelists import load_noticelists
from threatmesh.model.library.object_templates import definitions, load_object_templates
from threatmesh.model.library.taxonomies import load_taxonomies
from threatmesh.model.library.warninglist_match import WarninglistMatcher, compile_warninglist
from threatmesh.model.library.warninglists import load_warninglists

# (attribute type, value): a mix of hits and misses for the lookup benchmark.
VALUES = [
    ("ip-dst", "8.8.8.8"),
    ("ip-dst", "1.11.71.4"),
    ("ip-src", "203.0.113.77"),
    ("ip-dst", "2001:4860:4860::8888"),
    ("ip-dst", "2001:db8:abcd::1"),
    ("ip-dst|port", "9.9.9.9|53"),
    ("domain", "google.com"),
    ("hostname", "mail.some-unknown-host.example"),
    ("url", "http://www.microsoft.com/en-us/download"),
    ("domain|ip", "evil.example|1.2.3.4"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha256", "0" * 63 + "1"),
    ("email-src", "someone@mailinator.com"),
    ("email-dst", "abuse@example.org"),
    ("phone-number", "+15550123"),
]


def timed(label: str, action: Callable[[], object]) -> object:
    """Run ``action`` once and print its wall time."""
    start = time.perf_counter()
    result = action()
    print(f"  {label:<44} {time.perf_counter() - start:8.3f} s")
    return result


def parse_times() -> None:
    print("Part 1: parse packaged data into records (once each)")
    timed("galaxies (107)", load_galaxies)
    timed(
        "cluster packages (45,495 clusters)",
        lambda: sum(len(p.clusters) for p in load_cluster_packages()),
    )
    timed("taxonomies (180)", load_taxonomies)
    timed("warninglists (119 lists, 2,510,044 entries)", load_warninglists)
    timed("object template files (432, read once)", definitions)
    timed("object template records", load_object_templates)
    timed("noticelists, decaying models, feeds, communities", _small)
    timed("free text of 1,000 mixed tokens", lambda: check_free_text(_free_text()))


def _small() -> None:
    load_noticelists()
    load_decaying_models()
    load_default_feeds()
    load_communities()


def _free_text() -> str:
    tokens = ["8.8.8.8", "evil[.]com", "hxxp://bad.example/x", "d41d8cd98f00b204e9800998ecf8427e"]
    return " ".join(f"{t}{i}" if i % 2 else t for i, t in enumerate(tokens * 250))


def per_lookup(action: Callable[[str, str], object], rounds: int) -> float:
    """Median seconds per (type, value) lookup over ``rounds`` passes of VALUES."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for kind, value in VALUES:
            action(kind, value)
        samples.append((time.perf_counter() - start) / len(VALUES))
    return statistics.median(samples)


def lookups(quick: bool) -> None:
    print("Part 2: warninglist matcher over all 119 lists")
    loaded = load_warninglists().items
    start = time.perf_counter()
    matcher = WarninglistMatcher([compile_warninglist(i, w) for i, w in enumerate(loaded, 1)])
    print(f"  build all indexes                            {time.perf_counter() - start:8.3f} s")
    tracemalloc.start()
    again = [compile_warninglist(i, w) for i, w in enumerate(loaded, 1)]
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del again
    print(f"  memory held by the indexes                   {size / 2**20:8.0f} MiB")
    ours = per_lookup(matcher.hits, rounds=200)
    print(f"  one attribute, every list (median)         {ours * 1e6:10.1f} us")
    if quick:
        return
    baseline = WarningLists(slow_search=True)
    theirs = per_lookup(lambda _kind, value: baseline.search(value), rounds=3)
    print(f"  pymispwarninglists slow_search (median)    {theirs * 1e6:10.1f} us")
    print(f"  ratio baseline / ours                      {theirs / ours:10.0f} x")


PARSERS: dict[str, Callable[[], object]] = {
    "taxonomies": load_taxonomies,
    "warninglists": load_warninglists,
    "noticelists": load_noticelists,
    "object-templates": load_object_templates,
    "galaxies": lambda: (load_galaxies(), [len(p.clusters) for p in load_cluster_packages()]),
    "decaying-models": load_decaying_models,
}


def database_loads(url: str, label: str) -> None:
    """Part 3 on the empty database at ``url``: parse vs first and second load."""
    from threatmesh.services.library.loading import LOADERS
    from threatmesh.services.platform import Platform
    from threatmesh.storage.core import database

    engine = database.create_engine(url)
    database.upgrade(engine)
    platform = Platform(engine=engine)
    print(f"Part 3: library into {label} (seconds: parse, first load, second load, ratio)")
    for kind, load in LOADERS.items():
        start = time.perf_counter()
        PARSERS[kind]()
        parse = time.perf_counter() - start
        start = time.perf_counter()
        load(platform)
        first = time.perf_counter() - start
        start = time.perf_counter()
        load(platform)
        second = time.perf_counter() - start
        print(f"  {kind:<18} {parse:8.3f} {first:8.3f} {second:8.3f} {first / parse:6.1f} x")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the baseline lookups")
    parser.add_argument("--no-db", action="store_true", help="skip the database loads")
    parser.add_argument("--pg-url", help="an empty PostgreSQL database for part 3")
    args = parser.parse_args()
    print(machine())
    parse_times()
    lookups(args.quick)
    if args.no_db:
        return
    with tempfile.TemporaryDirectory() as folder:
        database_loads(f"sqlite:///{folder}/library.db", "SQLite")
    if args.pg_url:
        database_loads(args.pg_url, "PostgreSQL")


if __name__ == "__main__":
    main()
