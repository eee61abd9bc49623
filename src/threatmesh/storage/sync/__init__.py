"""Instance-to-instance sync: its tables, cursors, log, failures, batch writes and
sharing groups."""
