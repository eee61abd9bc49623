"""STIX through MISP's own reference converter, misp-stix (the optional ``stix`` extra).

Exports (restSearch ``returnFormat``): ``stix`` (STIX 1.1.1 as JSON), ``stix-xml``
(STIX 1.1.1 XML) and ``stix2`` (a STIX 2.1 bundle), of events or of attributes, as MISP
answers them. Imports (``events/upload_stix``): a STIX 1 package (XML) or a STIX 2.0/2.1
bundle (JSON) into one MISP event document, which the caller then stores as ``events/add``
does. Everything here works on bytes and dicts in memory: no file is written.

Without misp-stix every entry point raises :class:`NotInstalled` (501), naming the
extra; a document misp-stix cannot read raises :class:`InvalidInput` (400) saying why.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from typing import Any

from threatmesh.model.errors import InvalidInput, NotInstalled

#: The restSearch formats this module answers.
FORMATS = ("stix", "stix-xml", "stix2", "stix-json")
MEDIA_TYPES = {
    "stix": "application/json",
    "stix-json": "application/json",
    "stix-xml": "application/xml",
    "stix2": "application/json",
}
_ORG = "MISP"
_NAMESPACE = "https://misp-project.org"
_VERSION = "1.1.1"
#: mixbox keeps the STIX 1 id namespace process-wide: one STIX 1 conversion at a time.
_STIX1_LOCK = threading.Lock()

Json = dict[str, Any]


def available() -> bool:
    """Whether misp-stix is installed."""
    return importlib.util.find_spec("misp_stix_converter") is not None


@contextmanager
def _converter(feature: str) -> Iterator[None]:
    """misp-stix, or :class:`NotInstalled`; warnings silenced: python-stix and cybox warn
    about their own deprecated fields on every export, and six on their import."""
    if not available():
        raise NotInstalled(feature, "stix")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _mend_six()
        yield


@functools.cache
def _mend_six() -> None:
    """mixbox (under python-stix) vendors six 1.15, whose import hook, put on
    ``sys.meta_path`` on import, lacks ``find_spec``: from then on every import that
    finds nothing (any ``try: import x``, in any thread) warns ``ImportWarning``. Give
    the hook six 1.16's ``find_spec``/``create_module``/``exec_module``, which fixed it."""
    from importlib.util import spec_from_loader

    from mixbox.vendor import six

    hook = six._SixMetaPathImporter
    if hasattr(hook, "find_spec"):  # a mixbox that vendors a fixed six
        return

    def find_spec(self: Any, fullname: str, path: Any, target: Any = None) -> Any:
        return spec_from_loader(fullname, self) if fullname in self.known_modules else None

    hook.find_spec = find_spec
    hook.create_module = lambda self, spec: self.load_module(spec.name)
    hook.exec_module = lambda self, module: None


def wants_xml(fmt: str, accept: str) -> bool:
    """STIX 1 as XML: ``stix-xml``, or ``stix`` asked for with ``Accept: application/xml``
    (PyMISP's ``return_format='stix-xml'`` sends ``stix`` that way, as MISP expects)."""
    return fmt == "stix-xml" or (fmt == "stix" and "xml" in accept and "json" not in accept)


def events_to_stix1(events: Sequence[Json], *, xml: bool, org: str = _ORG) -> bytes:
    """MISP events (each ``{"Event": ...}`` or bare) as one STIX 1.1.1 package whose
    related packages are the events, as MISP's ``events/restSearch`` answers."""
    with _converter("The STIX export"):
        from misp_stix_converter import MISPtoSTIX1EventsParser

        def build() -> Any:
            package = _package(org)
            for event in events:
                parser = MISPtoSTIX1EventsParser(org, _VERSION)
                parser.parse_misp_event(_wrapped(event, "Event"))
                package.add_related_package(parser.stix_package)
            return package

        return _stix1_out(build, xml=xml, org=org)


def attributes_to_stix1(attributes: Sequence[Json], *, xml: bool, org: str = _ORG) -> bytes:
    """Attributes (each with its ``Event`` context, as attributes/restSearch gives
    them) as one STIX 1.1.1 package of indicators and observables."""
    with _converter("The STIX export"):
        from misp_stix_converter import MISPtoSTIX1AttributesParser

        def build() -> Any:
            parser = MISPtoSTIX1AttributesParser(org, _VERSION)
            parser.parse_json_content({"Attribute": list(attributes)})
            return parser.stix_package

        return _stix1_out(build, xml=xml, org=org)


def _package(org: str) -> Any:
    """The wrapping package, titled "Export from <org>'s MISP" as misp-stix titles it."""
    from misp_stix_converter.tools.stix1_framing import _create_stix_package

    return _create_stix_package(org, _VERSION)


def _stix1_out(build: Callable[[], Any], *, xml: bool, org: str) -> bytes:
    from misp_stix_converter.tools.stix1_framing import (
        SCHEMALOC_DICT,
        _handle_namespaces,
        _scoped_id_namespace,
    )

    with _STIX1_LOCK, _scoped_id_namespace(_NAMESPACE, org):
        package = build()
        if not xml:
            return json.dumps(package.to_dict()).encode()
        namespaces = _handle_namespaces(_NAMESPACE, org)
        out: bytes = package.to_xml(
            auto_namespace=False, ns_dict=namespaces, schemaloc_dict=SCHEMALOC_DICT
        )
        return out


def events_to_stix2(events: Sequence[Json]) -> bytes:
    """MISP events as one STIX 2.1 bundle (a grouping per event), as MISP answers."""
    with _converter("The STIX 2 export"):
        from misp_stix_converter import MISPtoSTIX21Parser

        if not events:
            return _empty_bundle()
        parser = MISPtoSTIX21Parser()
        for event in events:
            parser.parse_misp_event(_wrapped(event, "Event"))
        return str(parser.bundle.serialize()).encode()


def attributes_to_stix2(attributes: Sequence[Json]) -> bytes:
    """Attributes as one STIX 2.1 bundle of indicators and observables."""
    with _converter("The STIX 2 export"):
        from misp_stix_converter import MISPtoSTIX21Parser

        if not attributes:
            return _empty_bundle()
        parser = MISPtoSTIX21Parser()
        parser.parse_misp_attributes(list(attributes))
        return str(parser.bundle.serialize()).encode()


def _empty_bundle() -> bytes:
    """Nothing matched: a bundle without objects, not an error."""
    from stix2.v21 import Bundle

    return str(Bundle(allow_custom=True).serialize()).encode()


def _wrapped(doc: Json, key: str) -> Json:
    return doc if key in doc else {key: doc}


def stix1_to_event(data: bytes, *, org_uuid: str | None = None) -> Json:
    """A STIX 1 package (XML) as one MISP event document (``{"Event": ...}``)."""
    with _converter("STIX import"):
        from misp_stix_converter.tools.stix1_to_misp_helpers import (
            get_stix1_parser,
            is_stix1_from_misp,
        )

        with _STIX1_LOCK:
            package = _load_stix1(data)
            cls, args = get_stix1_parser(is_stix1_from_misp(package), *_import_args(org_uuid))
            parser = cls()
            try:
                parser.load_stix_package(package)
                parser.parse_stix_package(**args)
            except Exception as exc:  # misp-stix raises anything on content it cannot map
                raise InvalidInput(f"The STIX 1 package could not be converted: {exc}") from None
            return _event_of(parser)


def stix2_to_event(data: bytes, *, org_uuid: str | None = None) -> Json:
    """A STIX 2.0 or 2.1 bundle (JSON) as one MISP event document."""
    content = _stix2_json(data)
    with _converter("STIX import"):
        from misp_stix_converter.tools.stix2_loading_helpers import load_stix2_content
        from misp_stix_converter.tools.stix2_to_misp_helpers import (
            get_stix2_parser,
            is_stix2_from_misp,
        )

        try:
            bundle = load_stix2_content(content)
            from_misp = is_stix2_from_misp(getattr(bundle, "objects", None) or [])
            cls, args = get_stix2_parser(from_misp, *_import_args(org_uuid))
            parser = cls()
            parser.load_stix_bundle(bundle)
            parser.parse_stix_bundle(**args)
        except Exception as exc:  # stix2 and misp-stix raise many kinds on bad content
            raise InvalidInput(f"The STIX 2 bundle could not be converted: {exc}") from None
        return _event_of(parser)


def _stix2_json(data: bytes) -> Json:
    try:
        content = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The STIX 2 bundle is not valid JSON: {exc}") from None
    if not isinstance(content, dict) or content.get("type") != "bundle":
        raise InvalidInput('The STIX 2 content is not a bundle (an object of "type": "bundle")')
    if not isinstance(content.get("objects"), list) or not content["objects"]:
        raise InvalidInput("The STIX 2 bundle has no objects")
    return content


def _load_stix1(data: bytes) -> Any:
    from misp_stix_converter.tools.stix1_loading_helpers import _update_namespaces
    from mixbox.namespaces import NamespaceNotFoundError
    from stix.core import STIXPackage

    for attempt in (0, 1):
        try:
            return STIXPackage.from_xml(BytesIO(data))
        except NamespaceNotFoundError:
            if attempt:
                raise InvalidInput("The STIX 1 package uses an unknown namespace") from None
            _update_namespaces()  # CISCP and TAXII, as misp-stix retries with them
        except Exception as exc:  # lxml, mixbox and stix raise many kinds on bad XML
            raise InvalidInput(f"The STIX 1 package is not valid STIX 1 XML: {exc}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _import_args(org_uuid: str | None) -> tuple[Any, ...]:
    """``get_stix*_parser``'s arguments after ``from_misp``: distribution 0 (this
    organisation only), one event, galaxies as clusters."""
    from misp_stix_converter import MISP_org_uuid

    return (0, None, None, None, False, False, True, org_uuid or MISP_org_uuid, 0, None)


def _event_of(parser: Any) -> Json:
    doc: Json = json.loads(parser.misp_event.to_json())
    return {"Event": doc}
