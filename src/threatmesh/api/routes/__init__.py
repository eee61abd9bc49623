"""One thin module per MISP controller: parse, authenticate, call a service, shape."""
