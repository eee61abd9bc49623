"""Free-text import: MISP's ``ComplexTypeTool`` (``events/freeTextImport``), pure.

:func:`check_free_text` turns pasted text into candidate attributes exactly as MISP does;
the caller supplies the TLDs and security-vendor domains MISP takes from its warninglists.
PyMISP has no equivalent (its ``AttributeValidationTool`` normalises values of a known
type; it does not guess types).
"""

from threatmesh.formats.freetext.parse import FreetextResult, check_free_text, tld_set
from threatmesh.formats.freetext.resolve import Candidate, refang, resolve_type

__all__ = ["Candidate", "FreetextResult", "check_free_text", "refang", "resolve_type", "tld_set"]
