"""Machines as the inventory knows them: discovery facts into rows by identity
(`machines`), the lifecycle state (`status`), and the plain view matching reads
(`view`).

May import: ingest, models and the infrastructure modules. Writes: `machines`
and `status`; `view` is pure.
"""
