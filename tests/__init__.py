"""The test suite, by what a test needs.

- ``unit/``: pure; no database, no server, no subprocess, no network (``make test-fast``).
- ``api/``: the Flask app, a database, or a live ``oci serve`` over HTTP.
- ``cli/``: the ``oci`` and ``ocicli`` console scripts, run as an operator runs them.
- ``e2e/``: real programs beyond our own: QEMU, Puppet, sshd, dnsmasq, Kea, ipmi_sim,
  the shell agent and installer scripts under real shells, shellcheck, live-build,
  debootstrap, the built wheel.
- ``helpers/``: what tests share; test modules import helpers, never each other.
- ``fixtures/``: data (captured hardware outputs).

``conftest.py`` here holds the fixtures every category may use (databases, app,
clients, users, a live server).
"""
