"""Values checked as MISP checks them: the describeTypes table, per-type validation and
normalisation, the misp-objects templates."""
