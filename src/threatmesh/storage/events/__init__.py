"""Events and their content: reading whole events, bulk writes, edits, the rows of
events, attributes, objects, tags and sightings one at a time, attachment files."""
