"""A non-editable install works: the wheel carries every package, template and migration.

The wheel is built from a copy of the source tree (so that setuptools' build/
and egg-info never land in the checkout, and no stale build/lib from an
earlier build can hide a missing file), installed into a fresh virtual
environment, and run from a directory where the source tree is not importable.
The fresh environment borrows the dependencies of the running one through a
.pth file, so no network is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import oci
from oci import migrate
from tests.helpers.paths import REPO

HEAD = migrate.head_revision("sqlite://")
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".lab", ".*_cache"
)


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    wheels = tmp_path / "wheels"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        "-w",
        wheels,
        source,
        cwd=tmp_path,
    )
    [wheel] = wheels.glob("oci-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "oci/templates/lab-welcome.txt.j2" in names
    # the dashboard's pages, stylesheet and script
    assert {"oci/web/templates/fleet.html", "oci/web/static/oci.css"} <= names
    assert "oci/web/static/fleet.js" in names
    assert "oci/migrations/env.py" in names
    assert "oci/migrations/script.py.mako" in names
    # the boot templates and the live image's live-build configuration
    assert {"oci/pxe/ipxe.j2", "oci/pxe/dnsmasq.conf.j2"} <= names
    assert "oci/live_build/auto/config" in names
    assert "oci/live_build/config/package-lists/oci.list.chroot" in names
    assert "oci/live_build/config/includes.chroot/etc/systemd/system/oci-agent.service" in names
    assert any(n.startswith("oci/migrations/versions/0001_") for n in names)
    # the installer and the scripts it puts into the installed system
    assert {"oci/install/oci-install", "oci/install/oci-firstboot"} <= names
    assert "oci/install/oci-report-status" in names
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        wheel,
        cwd=tmp_path,
    )
    fresh_purelib = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).strip()
    )
    # The dependencies of this environment (flask, sqlalchemy, ...), appended to
    # sys.path; its own .pth files, among them the editable install of oci, stay unread.
    (fresh_purelib / "oci-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    config = workdir / "oci.toml"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCI_", "PYTHON"))}
    env |= {"OCI_CONFIG": str(config), "OCI_DATA_DIR": str(workdir / "data")}
    bin_dir = venv / "bin"

    where = run(
        python,
        "-c",
        "import oci, pathlib; p = pathlib.Path(oci.__file__).parent; print(p);"
        " print((p / 'templates' / 'lab-welcome.txt.j2').is_file());"
        " print(sorted(x.name for x in (p / 'migrations' / 'versions').glob('0*.py')))",
        cwd=workdir,
        env=env,
    ).splitlines()
    package = Path(where[0])
    assert package.is_relative_to(venv), f"oci imported from {package}, not the fresh venv"
    assert not package.is_relative_to(REPO)
    assert where[1] == "True"
    # the installer's scripts are read from the installed package into each bundle
    bundle_script = run(
        python, "-c",
        "from oci.install import plan; print(plan.packaged_script('oci-install').decode()[:9])",
        cwd=workdir, env=env,
    )  # fmt: skip
    assert bundle_script == "#!/bin/sh\n"
    assert "0001_initial_schema.py" in where[2]

    assert "Administer the oci server" in run(bin_dir / "oci", "--help", cwd=workdir, env=env)
    assert oci.__version__ in run(bin_dir / "oci", "--version", cwd=workdir, env=env)
    dry = run(
        bin_dir / "oci", "live-image", "build", "--dry-run", "--work", workdir / "lb",
        "--output", workdir / "live", cwd=workdir, env=env,
    )  # fmt: skip
    assert "would run `lb config`" in dry and (workdir / "lb" / "auto" / "config").is_file()
    usage = run(bin_dir / "ocicli", "--help", cwd=workdir, env=env)
    assert "cluster-create" in usage and "machine-list" in usage

    enc = subprocess.run(
        [bin_dir / "oci-puppet-enc", "node1.example.com"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enc.returncode != 0
    assert "node1.example.com" in enc.stderr and enc.stdout == ""

    # The migrations ship: a database comes out of the installed package alone.
    assert run(bin_dir / "oci", "db", "upgrade", cwd=workdir, env=env) == f"database at {HEAD}\n"
    assert (workdir / "data" / "oci.db").is_file()
    assert run(bin_dir / "oci", "db", "current", cwd=workdir, env=env) == (
        f"current: {HEAD}\nhead: {HEAD}\n"
    )
