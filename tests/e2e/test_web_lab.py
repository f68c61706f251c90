"""The fleet page while the lab boots: `oci lab up --machines 1` starts a QEMU
machine that PXE-boots from the lab's server, and a headless chromium, on the
fleet page loaded before the machine is known, sees it move through its
stages without a reload: first "booting", by the MAC it asked for its boot
script with (a boot sighting), then, once its report came in, its own row
(discovered, then matched, placed and enrolled by the lab's profiles; one
report's handling does all of these, so the page usually sees it enrolled at
once) in place of the booting one. The test prints every stage it saw. About
35 s here (2 cores, TCG; the machine reports 18 s after its power-on).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import browser
from tests.helpers.lab import LabRunner, missing_lab_tools, read_env_file
from tests.helpers.server import free_port

SERIAL = "OCILAB0001"
MAC = "52:54:00:1a:01:01"  # lab1's booting NIC (oci/lab/fleet.py)
BOOTING_ROW = "b" + MAC.replace(":", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(browser.missing()), reason=str(browser.missing())),
    pytest.mark.skipif(bool(missing_lab_tools()), reason=f"missing: {missing_lab_tools()}"),
]


def test_the_fleet_page_shows_a_lab_machine_move_through_its_stages(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    oci = LabRunner.in_(tmp_path)
    lab, cache = oci.dir, oci.cache
    port = free_port()

    try:
        up = oci(
            "up", "--port", str(port), "--machines", "1", "--no-wait", "--cache", cache,
            timeout=420,
        )  # fmt: skip
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr
        started = time.monotonic()
        url = read_env_file(lab / "env")["OCI_API_URL"]
        password = (lab / "admin-password").read_text().strip()
        with browser.chromium(tmp_path) as driver:
            driver.get(url + "/ui/login?next=/ui/fleet")
            driver.find_element(By.ID, "login").send_keys("admin")
            driver.find_element(By.ID, "password").send_keys(password)
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            assert driver.find_element(By.TAG_NAME, "h1").text == "Fleet"
            # loaded while the machine still boots: it is not known yet
            assert SERIAL not in driver.find_element(By.ID, "fleet").text
            driver.execute_script("window.ociNoReload = true;")
            seen: list[tuple[str, ...]] = []
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                cells = driver.execute_script(
                    "const row = [...document.querySelectorAll('#fleet tbody tr')]"
                    f".find(r => r.cells[0].textContent === '{SERIAL}')"
                    f" || document.getElementById('{BOOTING_ROW}');"
                    "return row ? [...row.cells].slice(1, 7).map(c => c.textContent) : null;"
                )
                if cells and (not seen or tuple(cells) != seen[-1][1:]):
                    seen.append((f"{time.monotonic() - started:.0f}s", *cells))
                if cells and cells[0] and cells[4]:  # host name and rack: enrolled, placed
                    break
                time.sleep(0.5)
            print("\n" + "\n".join(" | ".join(stage) for stage in seen))
            assert seen, "the machine never appeared on the fleet page"
            assert seen[0][1:3] == (MAC, "booting"), seen  # first seen booting, by its MAC
            assert driver.execute_script(f"return !document.getElementById('{BOOTING_ROW}');")
            assert driver.execute_script("return window.ociNoReload === true;")  # live, no reload
            final = seen[-1][1:]
            hostname, state, cluster, role, place, profile = final
            assert (hostname, cluster, role, profile) == (
                "cl1-controller-1.example.com",
                "cl1",
                "controller",
                "lab-controller",
            ), seen
            assert place == "dc1/2/5 U1" and state == "live", seen
            driver.save_screenshot(str(browser.screenshot_dir() / "fleet-lab.png"))
    finally:
        down = oci("down")
    assert down.returncode == 0, down.stderr
