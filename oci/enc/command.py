"""``oci-puppet-enc FQDN``: Puppet's external node classifier.

puppetserver runs it as user ``puppet``, with no environment of the caller's:
the server's URL and an API token come from a file only its owner can read,
``/etc/oci/puppet-enc.toml`` (``--config`` or ``OCI_PUPPET_ENC_CONFIG`` name
another, for tests)::

    api_url = "https://oci.example.com"
    token = "oci_..."
    # ca_file = "/etc/oci/ca.pem"   (verify the server with this CA)
    # timeout = 30

It prints the node's YAML document and exits 0; for an unknown node, a server
error or anything else it prints one line on stderr and exits 1, so that
Puppet fails loudly instead of applying an empty catalog.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import requests
import yaml

DEFAULT_CONFIG = Path("/etc/oci/puppet-enc.toml")
ENV_CONFIG = "OCI_PUPPET_ENC_CONFIG"
KEYS = {"api_url", "token", "ca_file", "timeout"}


class EncError(Exception):
    pass


def fail(fqdn: str, message: str) -> NoReturn:
    print(f"oci-puppet-enc: {fqdn}: {message}", file=sys.stderr)
    sys.exit(1)


def read_config(path: Path) -> dict[str, Any]:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise EncError(f"cannot read the configuration file {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise EncError(
            f"{path} holds an API token and is readable by other users; chmod 600 {path}"
        )
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EncError(f"cannot read the configuration file {path}: {exc}") from exc
    unknown = sorted(set(config) - KEYS)
    if unknown:
        raise EncError(f"{path}: unknown key(s) {', '.join(unknown)}; known: api_url, token")
    for key in ("api_url", "token"):
        if not isinstance(config.get(key), str) or not config[key]:
            raise EncError(f"{path}: {key} must be set (a string)")
    return config


def fetch(config: dict[str, Any], fqdn: str) -> str:
    url = f"{config['api_url'].rstrip('/')}/api/v1/enc/{quote(fqdn, safe='')}"
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {config['token']}", "Accept": "application/yaml"},
            timeout=float(config.get("timeout", 30)),
            verify=config.get("ca_file", True),
        )
    except requests.RequestException as exc:
        raise EncError(f"cannot reach the oci server at {config['api_url']}: {exc}") from exc
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text.strip()[:200] or response.reason
        raise EncError(f"the oci server answered {response.status_code}: {message}")
    text = response.text
    # Never hand Puppet something that is not a document: it would apply nothing.
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EncError("the oci server's answer is not YAML") from exc
    if not isinstance(document, dict) or not isinstance(document.get("classes"), dict):
        raise EncError("the oci server's answer is not an ENC document (no classes)")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="oci-puppet-enc",
        description="Puppet external node classifier: print FQDN's ENC document from oci.",
        epilog="puppet.conf: [server] node_terminus = exec, external_nodes = "
        "/usr/bin/oci-puppet-enc",
    )
    parser.add_argument("fqdn", metavar="FQDN", help="the node's certname")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"configuration file (default: ${ENV_CONFIG} or {DEFAULT_CONFIG})",
    )
    args = parser.parse_args(argv)
    path = args.config or Path(os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)
    try:
        text = fetch(read_config(path), args.fqdn)
    except EncError as exc:
        fail(args.fqdn, str(exc))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
