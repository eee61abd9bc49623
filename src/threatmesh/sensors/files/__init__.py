"""Files that grow: a log followed line by line across rotation and truncation
(``follow``), the reader of honeypot logs and host logs alike."""
