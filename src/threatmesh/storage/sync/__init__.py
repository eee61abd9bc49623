"""Instance-to-instance sync: its tables, server connections, cursors and log,
failures, what a push offers, received events' writes and sharing groups."""
