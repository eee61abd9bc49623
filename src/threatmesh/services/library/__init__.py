"""Use cases of MISP's knowledge library: ``update`` (load the installed data packages
into the database, in one transaction each), index, view, enable and disable of
taxonomies, warninglists, noticelists, object templates and galaxies."""
