"""Pure rules of MISP's administration: the server settings this instance knows
(names, types, defaults) and the per-user settings MISP defines. No I/O."""
