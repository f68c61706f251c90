"""Machines as the inventory knows them: discovery facts into rows by identity
(`machines`), the lifecycle state (`status`), the plain view matching reads
(`view`) and one-line hardware summaries (`summary`).

May import: ingest, models and the infrastructure modules. Writes: `machines`
and `status`; `view` and `summary` are pure.
"""
