"""The anonymizer: stored policies, their bindings to recipients, privacy budgets."""
