"""A minimal initramfs that boots a QEMU machine into the discovery agent.

What goes in (each piece seen to boot under QEMU TCG on our machines):

- busybox-static and a link for each of its applets (what `busybox --install
  -s` makes, done at build time from `busybox --list-full`);
- the real tools the agent runs (dmidecode, lspci + pci.ids, lsblk, ip, nvme,
  ethtool, lscpu), copied with the shared libraries `ldd` lists; they take the
  place of busybox applets of the same name (busybox `ip` knows no -j);
- kernel modules for the fake server's NICs and disks, with their
  dependencies from modules.dep, then `depmod -b` (lspci -k reads them too);
- our agent at /usr/bin/oci-agent, and an /init (INIT below).

The kernel comes from Debian: `fetch_debian_kernel()` resolves the versioned
package linux-image-amd64 depends on, `apt-get download`s it into a cache
directory the caller names (e.g. ~/.cache/oci-lab) with the running system's
apt sources, extracts it with `dpkg-deb -x` and runs `depmod -b` (the .deb
ships no modules.dep). Delete the cache to pick up a newer kernel.

The /init reads the kernel command line:

  oci.capture=URL   collect with `oci-agent --collect`, upload the report to
                    URL with `oci-agent --replay` (busybox nc: no curl here),
                    and if that fails print it on the console as base64
                    between CAPTURE_BEGIN and CAPTURE_END; then power off
  oci.server=URL    otherwise: run the agent, reporting to URL, as the live
                    image does; power off when it exits
  oci.shell         start a shell on the console instead of powering off
  BOOTIF=01-<mac> / oci.boot_mac=<mac>   the NIC to run DHCP on (else all)
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CAPTURE_BEGIN",
    "CAPTURE_END",
    "DEFAULT_MODULES",
    "DEFAULT_TOOLS",
    "INIT",
    "LLDP_TOOLS",
    "Kernel",
    "build_initramfs",
    "fetch_debian_kernel",
    "library_paths",
    "module_closure",
]

# What the agent runs that busybox does not provide (or provides badly).
DEFAULT_TOOLS = (
    "dmidecode",
    "lspci",
    "lsblk",
    "ip",
    "nvme",
    "ethtool",
    "lscpu",
    "ipmitool",
)
# lldpd, lldpcli (lldpd runs it to unpause itself) and lldpctl (the agent reads
# the neighbours with it): the real LLDP receiver. Not
# in DEFAULT_TOOLS: with their libraries (lldpctl's libxml2 pulls 31 MB of ICU
# data, lldpd's SNMP agent libperl) they add ~24 MB to the gzip'd initramfs.
# The lab includes them (its switch sends real LLDP frames).
LLDP_TOOLS = ("lldpd", "lldpcli", "lldpctl")
# Data files the tools need, copied when present.
DEFAULT_DATA = (
    "/usr/share/misc/pci.ids",  # lspci's names
    "/usr/share/misc/enterprise-numbers.txt",  # ipmitool's manufacturer names
)
# QEMU's NICs (virtio, e1000e, e1000), disks (NVMe, SATA on AHCI, virtio) and
# BMC (KCS, /dev/ipmi0).
DEFAULT_MODULES = (
    "ipmi_si",
    "ipmi_devintf",
    "virtio_pci",
    "virtio_net",
    "e1000e",
    "e1000",
    "nvme",
    "ahci",
    "sd_mod",
    "virtio_blk",
)
CAPTURE_BEGIN = "----- BEGIN OCI CAPTURE (base64 tar.gz) -----"
CAPTURE_END = "----- END OCI CAPTURE -----"
BUSYBOX = "/bin/busybox"

INIT = f"""#!/bin/sh
# /init of the oci lab initramfs (oci/lab/initramfs.py). busybox sh.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
say() {{ echo "oci-init: $*"; }}
arg() {{
	# shellcheck disable=SC2013 # words, not lines
	for word in $(cat /proc/cmdline); do
		case $word in "$1"=*) echo "${{word#*=}}"; return 0 ;; "$1") echo; return 0 ;; esac
	done
	return 1
}}
finish() {{
	if arg oci.shell >/dev/null; then
		say "oci.shell: starting a shell (poweroff -f to stop)"
		exec setsid cttyhack sh
	fi
	poweroff -f
}}

# shellcheck disable=SC2013 # one module name per line
for module in $(cat /etc/oci-lab/modules); do
	modprobe "$module" || say "modprobe $module failed"
done

# lldpd receive-only (-r), before DHCP so that the switches' frames, sent
# every few seconds, have arrived when the agent asks lldpctl.
if command -v lldpd >/dev/null; then
	for path in /sys/class/net/*; do ip link set "${{path##*/}}" up; done
	mkdir -p /run/lldpd
	lldpd -r || say "lldpd failed"
fi

boot_mac=$(arg oci.boot_mac) || {{
	boot_mac=$(arg BOOTIF) && boot_mac=$(echo "${{boot_mac#??-}}" | tr - : | tr A-F a-f)
}}
ip link set lo up
nics=
for path in /sys/class/net/*; do
	nic=${{path##*/}}
	[ "$nic" = lo ] && continue
	if [ -n "$boot_mac" ] && [ "$(cat "$path/address")" = "$boot_mac" ]; then
		nics=$nic
		break
	fi
	nics="$nics $nic"
done
for nic in $nics; do
	udhcpc -i "$nic" -s /etc/oci-lab/udhcpc.script -q -n -t 4 -T 1 && break
done

if command -v lldpctl >/dev/null; then
	# every NIC but lo hears its switch within a few seconds; wait up to 20 s
	# (on a loaded host one NIC's frames can come late)
	wanted=0
	for path in /sys/class/net/*; do [ "${{path##*/}}" = lo ] || wanted=$((wanted + 1)); done
	tries=0
	while [ "$(lldpctl -f keyvalue | grep -c '^lldp\\.[^.]*\\.chassis\\.name=')" -lt "$wanted" ] &&
		[ $tries -lt 40 ]; do
		sleep 0.5
		tries=$((tries + 1))
	done
	say "LLDP: $(lldpctl -f keyvalue | grep -c '^lldp\\.[^.]*\\.chassis\\.name=') neighbour(s)"
fi

if url=$(arg oci.capture); then
	oci-agent --collect /tmp/report
	if timeout 60 oci-agent --replay /tmp/report --server "$url" --once \\
		--retry-min 1 --retry-max 4; then
		say "capture uploaded to $url"
	else
		echo "{CAPTURE_BEGIN}"
		# shellcheck disable=SC2035 # the agent's file names start with no dash
		(cd /tmp/report && tar -czf - *) | base64
		echo "{CAPTURE_END}"
	fi
	finish
fi
oci-agent
say "the agent exited ($?)"
finish
"""

UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc hook (busybox-static ships none): configure the lease with ip.
# shellcheck disable=SC2154 # udhcpc sets interface, ip, mask and router
case $1 in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for gateway in $router; do
		ip route add default via "$gateway" dev "$interface" && break
	done
	;;
esac
exit 0
"""


@dataclass(frozen=True)
class Kernel:
    version: str  # 6.1.0-56-amd64
    vmlinuz: Path
    root: Path  # holds lib/modules/<version>, with modules.dep

    @property
    def modules_dir(self) -> Path:
        return self.root / "lib" / "modules" / self.version


def _run(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def versioned_kernel_package(meta: str = "linux-image-amd64") -> str:
    """The linux-image-<version> package the meta package depends on (apt-cache)."""
    output = _run(["apt-cache", "depends", "--important", meta]).stdout
    for line in output.splitlines():
        match = re.match(r"\s*Depends:\s*(linux-image-\S+)", line)
        if match:
            return match.group(1)
    raise RuntimeError(f"apt-cache: {meta} depends on no linux-image package:\n{output}")


def fetch_debian_kernel(cache_dir: Path, meta: str = "linux-image-amd64") -> Kernel:
    """Download (once) and unpack the Debian kernel package into cache_dir."""
    cache_dir = Path(cache_dir).expanduser()
    cache_dir.mkdir(parents=True, exist_ok=True)
    package = versioned_kernel_package(meta)
    debs = sorted(cache_dir.glob(f"{package}_*.deb"))
    if not debs:
        _run(["apt-get", "download", package], cwd=cache_dir)
        debs = sorted(cache_dir.glob(f"{package}_*.deb"))
        if not debs:
            raise RuntimeError(f"apt-get download {package}: no .deb in {cache_dir}")
    deb = debs[-1]
    root = cache_dir / deb.name.removesuffix(".deb")
    if not (root / "done").exists():
        if root.exists():
            shutil.rmtree(root)
        _run(["dpkg-deb", "-x", str(deb), str(root)])
        (version,) = os.listdir(root / "lib" / "modules")
        _run(["depmod", "-b", str(root), version])
        (root / "done").write_text(f"{version}\n")
    version = (root / "done").read_text().strip()
    return Kernel(version=version, vmlinuz=root / "boot" / f"vmlinuz-{version}", root=root)


def _module_name(name: str) -> str:
    return name.replace("-", "_")


def module_closure(modules_dep: str, names: Iterable[str]) -> list[str]:
    """The module files (paths relative to lib/modules/<version>) that loading
    `names` needs, dependencies included, from the text of modules.dep.
    Built-in modules (absent from modules.dep) are skipped."""
    deps: dict[str, tuple[str, list[str]]] = {}
    for line in modules_dep.splitlines():
        if ":" not in line:
            continue
        path, rest = line.split(":", 1)
        name = _module_name(Path(path).name.split(".ko")[0])
        deps[name] = (path, rest.split())
    by_path = {path: name for name, (path, _) in deps.items()}
    wanted: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in deps:
            return
        seen.add(name)
        path, requires = deps[name]
        for dependency in requires:
            visit(by_path.get(dependency, _module_name(Path(dependency).name.split(".ko")[0])))
        wanted.append(path)

    for name in names:
        visit(_module_name(name))
    return wanted


def library_paths(ldd_output: str) -> list[str]:
    """The absolute library paths in `ldd` output (the loader included)."""
    paths = []
    for line in ldd_output.splitlines():
        match = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)\s+\(0x", line)
        if match and match.group(1) not in paths:
            paths.append(match.group(1))
    return paths


def _copy_into(root: Path, source: str, target: str | None = None) -> None:
    """Copy a host file into root at the same path (or target), following links."""
    destination = root / (target or source).lstrip("/")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.is_symlink():
        destination.unlink()
    shutil.copy2(os.path.realpath(source), destination)


def _ldd(binary: str) -> list[str]:
    result = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False)
    if result.returncode != 0:  # a static binary
        return []
    return library_paths(result.stdout)


def build_initramfs(
    output: Path,
    kernel: Kernel,
    *,
    agent: Path | None = None,
    tools: Sequence[str] = DEFAULT_TOOLS,
    modules: Sequence[str] = DEFAULT_MODULES,
    data: Sequence[str] = DEFAULT_DATA,
    init: str = INIT,
) -> Path:
    """Write a gzip-compressed newc cpio initramfs to `output`."""
    if agent is None:
        from oci.agent.command import script_path

        agent = Path(script_path())
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="oci-initramfs-") as tmp:
        root = Path(tmp) / "root"
        # merged /usr, as Debian: /bin/x and /usr/bin/x are one file
        for directory in ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64"]:
            (root / directory).mkdir(parents=True)
        for link in ["bin", "sbin", "lib", "lib64"]:
            (root / link).symlink_to(f"usr/{link}")
        for directory in ["dev", "proc", "sys", "tmp", "run", "etc/oci-lab", "root"]:
            (root / directory).mkdir(parents=True, exist_ok=True)

        # the tools, then busybox applets for every name still free
        libraries: list[str] = []
        for tool in tools:
            path = shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")
            if path is None:
                raise RuntimeError(f"{tool} is not installed (scripts/apt-packages)")
            _copy_into(root, path)
            libraries += [lib for lib in _ldd(path) if lib not in libraries]
        for library in libraries:
            _copy_into(root, library)
        for path in data:
            if os.path.exists(path):
                _copy_into(root, path)
        busybox = shutil.which("busybox")
        if busybox is None or _ldd(busybox):
            raise RuntimeError("busybox-static is needed (a static busybox)")
        _copy_into(root, busybox, BUSYBOX)
        applets = _run([busybox, "--list-full"]).stdout.split()
        for applet in applets:
            name = Path(applet).name
            if any((root / d / name).exists() for d in ["usr/bin", "usr/sbin"]):
                continue
            (root / applet).symlink_to(BUSYBOX)

        # kernel modules with their dependencies
        source = kernel.modules_dir
        target = root / "lib" / "modules" / kernel.version
        target.mkdir(parents=True)
        for name in ["modules.builtin", "modules.builtin.modinfo", "modules.order"]:
            if (source / name).exists():
                shutil.copy2(source / name, target / name)
        for relative in module_closure((source / "modules.dep").read_text(), modules):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, target / relative)
        _run(["depmod", "-b", str(root), kernel.version])
        (root / "etc/oci-lab/modules").write_text("".join(f"{m}\n" for m in modules))

        # the agent, /init and the DHCP hook
        files = {
            "usr/bin/oci-agent": Path(agent).read_text(),
            "init": init,
            "etc/oci-lab/udhcpc.script": UDHCPC_SCRIPT,
        }
        for relative, text in files.items():
            (root / relative).write_text(text)
            (root / relative).chmod(0o755)
        # _lldpd: the user lldpd drops its privileges to (Debian's build)
        (root / "etc/passwd").write_text(
            "root:x:0:0:root:/root:/bin/sh\n_lldpd:x:101:101::/run/lldpd:/bin/false\n"
        )
        (root / "etc/group").write_text("root:x:0:\n_lldpd:x:101:\n")

        names = []
        for directory, dirnames, filenames in os.walk(root):  # links not followed
            for name in [*dirnames, *filenames]:
                names.append(os.path.relpath(os.path.join(directory, name), root))
        names.sort()
        listing = "".join(f"{name}\n" for name in [".", *names])
        cpio = subprocess.run(
            ["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"],
            cwd=root,
            input=listing.encode(),
            capture_output=True,
            check=True,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(gzip.compress(cpio.stdout, compresslevel=1))
    return output
