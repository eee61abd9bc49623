"""MISP's knowledge library as typed records: galaxies, taxonomies, warninglists, noticelists,
object templates, decaying models, default feeds and communities.

Pure, like the rest of ``model``: no database, no network, no clock (callers pass ``now``).
The only input is data that ships inside installed packages (``pymispgalaxies``,
``pytaxonomies``, ``pymispwarninglists``, PyMISP's ``misp-objects``, and the files vendored
under ``model/data/misp``), read with :mod:`importlib.resources` as ``describe_types`` reads
its table. Every record mirrors what MISP stores when it loads the same file, so a storage
layer can upsert by key and version and answer exactly what MISP answers.

One module per kind; each has a ``load_*`` entry point. The matcher
(:mod:`.warninglist_match`) and the scorer (:mod:`.decay`) reproduce MISP's algorithms.
"""
