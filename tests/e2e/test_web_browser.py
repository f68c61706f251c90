"""The dashboard in a real browser (Debian's chromium, headless, through selenium)
against a real `oci serve`: log in, watch the fleet update, open a rack, open a
machine, power-cycle it through its simulated BMC and reboot it on live (its
state changes on the page), see its cluster, log out. A screenshot of each page
lands in the notes folder (tests/helpers/browser.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy.orm import Session

from oci.models import Machine, MachineStatus
from tests.helpers import browser, factories
from tests.helpers.bmcsim import running_bmcsim
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer

pytestmark = pytest.mark.skipif(bool(browser.missing()), reason=str(browser.missing()))

BMC_PASSWORD = "lab-bmc-pw"


@pytest.fixture
def bmc_port(tmp_path: Path) -> Iterator[int]:
    """A lab BMC (oci.lab.bmcsim) whose machine is off; its port."""
    password_file = tmp_path / "bmc.pass"
    password_file.write_text(BMC_PASSWORD + "\n")
    with running_bmcsim(password_file) as port:
        yield port


def _lab(session: Session, live_server: LiveServer, admin: Credentials, bmc_port: int) -> None:
    """Six machines in two racks and one unplaced; lab1 installed, in cluster lab, with
    its BMC's credentials stored through the server's API."""
    for n in range(1, 7):
        rack = None if n == 6 else f"rack{1 + n % 2}"
        factories.machine(
            session,
            f"lab{n}",
            datacenter="dc1" if rack else None,
            row="row1" if rack else None,
            rack=rack,
            u_position=10 + n if rack else None,
        )
    session.commit()
    auth = (admin.login, admin.password)
    api = live_server.url + "/api/v1"

    def call(method: str, path: str, body: dict[str, Any]) -> None:
        answer = requests.request(method, api + path, json=body, auth=auth, timeout=30)
        assert answer.status_code in (200, 201), answer.text

    call("POST", "/swift-regions", {"name": "region1"})
    call("POST", "/locations", {"name": "zone1", "swift_region": "region1"})
    call("POST", "/clusters", {"name": "lab", "domain": "lab.example"})
    network = {"name": "mgmt", "address": "192.168.50.0", "prefix_length": 24}
    call("POST", "/networks", network | {"location": "zone1"})
    call("POST", "/networks/mgmt/attachment", {"cluster": "lab", "role": "all", "iface1": "eno1"})
    for serial, role in (("lab1", "controller"), ("lab2", "compute"), ("lab3", "compute")):
        call(
            "POST",
            f"/machines/{serial}/enrolment",
            {"cluster": "lab", "role": role, "location": "zone1"},
        )
    credentials = {"username": "admin", "password": BMC_PASSWORD, "address": "127.0.0.1"}
    call("PUT", "/machines/lab1/ipmi", credentials | {"port": bmc_port})
    lab1 = session.query(Machine).filter_by(serial="lab1").one()
    lab1.status = MachineStatus.INSTALLED
    session.commit()


def _wait(what: str, check: Callable[[], bool], timeout: float = 15) -> None:
    """Until ``check()``; an element not there yet (the next page loading) is a no."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_the_dashboard_in_a_browser(
    live_server: LiveServer,
    admin: Credentials,
    session: Session,
    bmc_port: int,
    tmp_path: Path,
) -> None:
    if live_server.database.backend != "sqlite":
        pytest.skip("one browser run is enough: the pages' reads are tested on every backend")
    from selenium.webdriver.common.by import By

    _lab(session, live_server, admin, bmc_port)
    shots = browser.screenshot_dir()
    with browser.chromium(tmp_path) as driver:

        def text() -> str:
            return str(driver.find_element(By.TAG_NAME, "main").text)

        def arrive(path: str) -> None:
            """Wait for the page at ``path`` (a click's navigation) to be loaded."""
            _wait(
                path,
                lambda: (
                    path in urlsplit(driver.current_url).path
                    and driver.execute_script("return document.readyState") == "complete"
                ),
            )

        def shot(name: str) -> None:
            driver.save_screenshot(str(shots / f"{name}.png"))

        # Log in: the fleet sends us to the form, and back after it.
        driver.get(live_server.url + "/ui/fleet")
        assert "/ui/login" in driver.current_url
        shot("login")
        driver.find_element(By.ID, "login").send_keys(admin.login)
        driver.find_element(By.ID, "password").send_keys(admin.password)
        driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        arrive("/ui/fleet")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Fleet"
        rows = driver.find_elements(By.CSS_SELECTOR, "#fleet tbody tr")
        assert len(rows) == 6
        assert "lab-controller-1.lab.example" in text()
        assert driver.find_element(By.CSS_SELECTOR, '[data-count="installed"]').text == "1"

        # Live: a machine that moves on is seen to move, without a reload.
        lab2 = session.query(Machine).filter_by(serial="lab2").one()
        lab2.status = MachineStatus.INSTALLING
        session.commit()
        lab2_state = (By.CSS_SELECTOR, f"#m{lab2.id} td:nth-child(3)")
        _wait(
            "lab2 installing on the page",
            lambda: driver.find_element(*lab2_state).text == "installing",
        )
        assert driver.find_element(By.CSS_SELECTOR, '[data-count="installing"]').text == "1"
        shot("fleet")

        # A rack: from the index to its elevation.
        driver.find_element(By.LINK_TEXT, "Racks").click()
        arrive("/ui/racks")
        driver.find_element(By.PARTIAL_LINK_TEXT, "dc1 / row1 / rack2").click()
        assert driver.current_url.endswith("#rack-dc1-row1-rack2")
        rack = driver.find_element(By.ID, "rack-dc1-row1-rack2")
        assert "lab-controller-1" in rack.text and "U" in rack.text
        assert "lab6" in driver.find_element(By.CSS_SELECTOR, "aside.beside").text
        shot("racks")

        # A machine, from its box in the rack.
        rack.find_element(By.PARTIAL_LINK_TEXT, "lab-controller-1").click()
        arrive("/ui/machines/lab1")
        page = text()
        for seen in ("Tesla T4", "10de:1eb8", "nvme0n1", "dc1-r2-rack5-sw1", "swp12"):
            assert seen in page, seen
        assert driver.find_element(By.ID, "power-state").text == "off"
        assert driver.find_element(By.ID, "machine-state").text == "installed"
        shot("machine")

        # Power cycle through the BMC, after the confirmation: the machine is on.
        driver.find_element(By.LINK_TEXT, "Power cycle").click()
        arrive("/actions/power-cycle")
        assert "Power cycle: lab-controller-1" in driver.find_element(By.TAG_NAME, "h1").text
        shot("confirm")
        driver.find_element(By.CSS_SELECTOR, "button.danger").click()
        _wait("the power on", lambda: driver.find_element(By.ID, "power-state").text == "on")
        assert "the BMC reports the power on" in text()

        # Reboot on live: the state goes back to live, on the page and in the events.
        driver.find_element(By.LINK_TEXT, "Reboot on live").click()
        arrive("/actions/reboot-on-live")
        driver.find_element(By.CSS_SELECTOR, "button.danger").click()
        _wait("live", lambda: driver.find_element(By.ID, "machine-state").text == "live")
        assert "machine-ipmi-reboot-on-live" in text()
        shot("machine-after-reboot")

        # Its cluster.
        driver.find_element(By.LINK_TEXT, "lab").click()
        arrive("/ui/clusters/lab")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Cluster lab"
        assert "192.168.50.0/24" in text() and "compute" in text()
        shot("cluster")

        # Log out: the pages are closed again.
        driver.find_element(By.CSS_SELECTOR, "form.who button").click()
        _wait("the login form", lambda: "/ui/login" in driver.current_url)
        driver.get(live_server.url + "/ui/machines/lab1")
        assert "/ui/login" in driver.current_url
