"""Administration use cases: organisations, users and API keys, roles, sharing groups."""
