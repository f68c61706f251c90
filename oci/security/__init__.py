"""Trust: the cluster PKI (`pki`), secrets encrypted at rest (`vault`), and the
API's users and tokens (`users`).

May import: models and the infrastructure modules. Writes: `users` (the PKI and
the vault write files under the data directory, not the database).
"""
