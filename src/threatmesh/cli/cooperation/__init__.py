"""Commands of cooperative detection (scenario 2): ``honeynet`` (Cowrie run and
ingested), ``enrich`` (enrichment modules), ``analyst`` (the labelling loop),
``models`` (trained models shared as signed MISP objects)."""
