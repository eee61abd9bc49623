"""Protected intelligence: the CP-ABE key authority and blind-index keys."""
