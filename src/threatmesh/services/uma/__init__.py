"""UMA 2.0: resources, the token endpoint, producers' policies, protected sightings."""
