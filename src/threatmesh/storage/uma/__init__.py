"""UMA 2.0: resources, producers' policies and permission tickets."""
