"""Debian's chromium, headless, driven by selenium through Debian's chromedriver.

Both come from Debian (`chromium`, `chromium-driver`); selenium is given their
paths, so it downloads neither a browser nor a driver. Screenshots go to
``OCI_TEST_NOTES_DIR``/dashboard when it is set (a test run's note folder), else
to build/test-notes/dashboard in the repository.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers.paths import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Debian's chromium and chromium-driver are not installed (scripts/apt-packages)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def screenshot_dir() -> Path:
    base = os.environ.get("OCI_TEST_NOTES_DIR")
    folder = Path(base) / "dashboard" if base else REPO / "build" / "test-notes" / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chromium(tmp_path: Path, width: int = 1440, height: int = 1000) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "driver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)
