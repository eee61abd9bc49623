"""Instance-to-instance sync: server connections, pull, push, receive, serve, failures."""
