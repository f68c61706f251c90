"""``oci-puppet-enc FQDN``: Puppet's external node classifier (the ENC issue fills it in)."""

from __future__ import annotations

import sys


def main() -> None:
    # Until the ENC exists, fail loudly: Puppet must never apply an empty catalog.
    args = sys.argv[1:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: oci-puppet-enc FQDN", file=sys.stderr)
        sys.exit(2 if len(args) != 1 else 0)
    print(
        f"oci-puppet-enc: no ENC document for {args[0]}: the ENC is not implemented yet",
        file=sys.stderr,
    )
    sys.exit(1)
