"""Machines as the inventory knows them: discovery facts into rows by identity
(`machines`, with `hardware` writing the component rows), the lifecycle state
(`status`), and the plain view matching reads (`view`).

May import: ingest, hooks.document (to queue the operator's hooks), models
and the infrastructure modules. Writes: `machines`, `hardware` and `status`;
`view` is pure.
"""
