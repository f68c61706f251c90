"""Pure tests: no database, no server, no subprocess, no network (make test-fast)."""
