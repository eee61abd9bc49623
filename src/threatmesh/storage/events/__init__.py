"""Events and their content: reading whole events, bulk writes, edits, attachment files."""
