"""Event use cases: events, attributes, objects, tags, sightings, attachments."""
