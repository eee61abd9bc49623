"""Administration use cases: organisations, users and API keys, roles, sharing groups,
and setting an instance up (``setup``); ``checks`` holds what they check alike."""
