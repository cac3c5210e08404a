"""Fixtures for the end-to-end tests: a real `streamlit run`, headless Debian Chromium, helpers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.browser_lab import ROOT, Lab, new_page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
STARTUP_SECONDS = 60


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the app server's log to every failed browser test's report."""
    report = yield
    server = getattr(item, "funcargs", {}).get("app_server")
    if report.failed and server is not None:
        report.sections.append(("streamlit run output (tail)", server.log_tail()))
    return report


def _free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """A `streamlit run streamlit_app.py` process on a free loopback port."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def log_tail(self, chars: int = 6000) -> str:
        """The last part of the server's combined stdout/stderr."""
        text = Path(self.log.name).read_text(errors="replace")
        return text[-chars:]

    def wait_healthy(self, seconds: float = STARTUP_SECONDS) -> None:
        """Poll /_stcore/health until it answers ok; fail with the server log otherwise."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"streamlit run exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"streamlit run not healthy after {seconds} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate the server (kill it if it lingers) and remove its log."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()
        os.unlink(self.log.name)


def served():
    """Start an app server, yield it once healthy, stop it afterwards (a fixture's body)."""
    server = AppServer()
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_server():
    """A running app for the whole session; its output is printed if startup or a test fails."""
    yield from served()


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    """The running app's base URL, e.g. http://127.0.0.1:PORT."""
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; fails (never skips) when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
            "Run `bash scripts/test.sh` as root (it installs it) or "
            "`apt-get install chromium`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def make_lab(browser, app_url, request):
    """Factory: make_lab(suffix) opens a Lab in a fresh browser context (a new visitor)."""
    pages = []

    def make(suffix: str = "") -> Lab:
        pages.append(new_page(browser))
        return Lab(pages[-1], app_url, request.node.name + suffix)

    yield make
    for pg in pages:
        pg.context.close()


@pytest.fixture
def lab(make_lab) -> Lab:
    """A Lab driver for this test; screenshots go to test-artifacts/<test name>/."""
    return make_lab()
