"""machine-gen-root-pass's password in the install bundle: chpasswd's input, only
there, readable by root only. (oci-install feeds it to chpasswd in the new system;
that step runs only in tests/e2e/test_install_real.py's debootstrap.)"""

from __future__ import annotations

from oci.install import plan
from tests.helpers.install_inputs import files, make


def test_no_password_no_file() -> None:
    assert plan.ROOT_PASSWORD_FILE not in files(make())


def test_the_file_is_chpasswds_line_for_root_and_not_copied_into_the_system() -> None:
    bundle = files(make(root_password="s3cret-Pass_word"))
    entry = bundle[plan.ROOT_PASSWORD_FILE]
    assert (entry.content, entry.mode) == (b"root:s3cret-Pass_word\n", 0o600)
    assert not any(b"s3cret" in f.content for p, f in bundle.items() if p.startswith("target/"))
    assert b"s3cret" not in plan.env_text(plan.install_env(make(root_password="s3cret"))).encode()
