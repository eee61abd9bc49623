"""Event use cases, one capability a module: events, attributes, objects, tags,
sightings, attachment files, UUID collisions; ``access`` holds the checks they share
(visibility, access facts, sharing groups). They reach the database only through
``storage`` repository functions."""
