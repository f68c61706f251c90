"""Real programs beyond our own: QEMU, Puppet, daemons, real shells, live-build, the wheel."""
