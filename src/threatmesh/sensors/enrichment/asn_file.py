"""The ``asn`` module's table from a local ip2asn file (plain or gzip): nothing is
fetched, the operator downloads and refreshes the file (iptoasn.com publishes it)."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from pathlib import Path

from threatmesh.model.enrichment.base import ENRICHERS, Enricher
from threatmesh.model.enrichment.modules import AsnEnricher, AsnTable
from threatmesh.model.errors import InvalidInput

__all__ = ["load_table"]


def load_table(path: Path) -> AsnTable:
    """The table in ``path`` (``.gz`` read as gzip)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        return AsnTable.parse(lines)


def _asn(options: Mapping[str, str]) -> Enricher:
    """``file``: the ip2asn table (required)."""
    if not options.get("file"):
        raise InvalidInput("the asn module needs its table: file=<ip2asn-combined.tsv[.gz]>")
    path = Path(options["file"])
    if not path.is_file():
        raise InvalidInput(f"the asn module's table {path} does not exist")
    return AsnEnricher(load_table(path))


ENRICHERS.register("asn", _asn)
