"""The risk engine (RoCe's role in the demonstrator): the probability of compromise of a
host as an additive log-odds model, explained factor by factor (``model``), its
coefficients fitted to Di Tizio, Armellini and Massacci (``calibration``), the APT
campaign knowledge it draws on (``campaigns``), CVSS vectors (``cvss_vectors``), and
what a MISP platform holds about a host read into its inputs (``facts``, ``queries``,
``cpe_match``).

Pure, as all of ``honeypots``: no I/O but reading the data installed packages ship
(through ``model.package_data``).
"""
