"""Core persistence: engines and migrations, the driver, lists bound as one parameter,
the core tables, access control as SQL, signing keys."""
