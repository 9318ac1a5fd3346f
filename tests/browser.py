"""Headless Chromium for the dashboard's browser tests and benchmark: Debian's chromium through Selenium.

``scripts/browser.sh`` installs chromium and chromium-driver (``scripts/setup.sh --dev`` runs
it). ``missing_reason`` says why a browser cannot be started, for a clear skip.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Flags that keep Chromium from talking to anything: no sync, updates or background
#: fetches, so any request the log shows came from the page.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def executables() -> tuple[str | None, str | None]:
    """Return the paths of chromium and chromedriver (None when missing)."""
    return shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")


def missing_reason() -> str | None:
    """Return why no browser can be started here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: .venv/bin/pip install -e '.[test]'"
    chromium, driver = executables()
    if chromium is None or driver is None:
        return "Chromium is not installed: run scripts/browser.sh (apt-get install chromium chromium-driver)"
    return None


@contextmanager
def chromium(width: int = 1600, height: int = 1000) -> Iterator[Any]:
    """Yield a Selenium driver for a fresh headless Chromium profile, with console and network logs kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = executables()
    assert binary and driver_path, missing_reason()
    profile = tempfile.mkdtemp(prefix="engage-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requests_made(driver: Any) -> list[str]:
    """Return the URLs of every request the browser sent since the last call (DevTools' network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
