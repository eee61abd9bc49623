"""Use cases of MISP's collaboration endpoints: event and organisation blocklists,
correlation exclusions, event reports, analyst data, feeds and communities."""
