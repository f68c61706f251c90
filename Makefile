# The two commands of the README: `make lab` and `make test`.
.PHONY: lab lab-down test test-fast lint bootstrap deb

VENV ?= .venv
# QEMU machines `make lab` PXE-boots (even ones BIOS, odd ones UEFI).
MACHINES ?= 2

bootstrap:
	@./scripts/bootstrap

## Start a private oci server with an example cluster and MACHINES QEMU
## machines that PXE-boot from it and are discovered; leave them running.
lab: bootstrap
	@$(VENV)/bin/oci lab up --machines $(MACHINES)

lab-down:
	@$(VENV)/bin/oci lab down

lint: bootstrap
	$(VENV)/bin/ruff check oci tests migrations bench
	$(VENV)/bin/ruff format --check oci tests migrations bench
	$(VENV)/bin/mypy

## The whole test suite: lint, then pytest on SQLite, PostgreSQL and MariaDB.
test: lint
	$(VENV)/bin/python -m pytest

## The pure tests alone (tests/unit: no database, server or subprocess), in seconds.
test-fast:
	$(VENV)/bin/python -m pytest -q tests/unit

## The Debian packages (debian/) in build/, with dpkg-buildpackage -us -uc -b;
## on Debian 12, as root, in a cached Debian 13 root (scripts/build-deb).
deb:
	@./scripts/build-deb
