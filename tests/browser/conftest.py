"""Browser-test fixtures: the real hub served from a subprocess on a fresh SQLite, and Debian's headless Chromium.

The hub runs exactly as `python -m hub setup` then `python -m hub serve` would run it for a developer,
so the test sees real HTTP, real cookies, CSRF, CSP and compression. Chromium is Debian's package
(`apt-get install chromium`): Playwright is never allowed to download its own browser here. Without
/usr/bin/chromium the tests skip, unless HUB_REQUIRE_BROWSER=1 (set by CI), where they fail instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the test container has no user namespaces for Chromium's sandbox
    "--disable-gpu",
    "--disable-background-networking",  # no calls home during a test
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # /dev/shm is tiny in containers; Chromium crashes on big pages otherwise
]
SETUP_TIMEOUT_SECONDS = 240  # `hub setup` (migrations + seed) on a loaded 2-core machine
START_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class HubServer:
    """A running hub: its base URL and the file its output goes to (shown when a test fails)."""

    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed, to explain a failure."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _hub_environment(var_dir: Path, port: int) -> dict[str, str]:
    # Drop every HUB_ variable of the caller (a PostgreSQL URL or Meilisearch in CI, say):
    # this test wants a fresh local SQLite hub and nothing else.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_MODE="local",
        HUB_VAR_DIR=str(var_dir),
        HUB_DATABASE_URL=f"sqlite:///{var_dir / 'hub.sqlite3'}",
        HUB_HOST="127.0.0.1",
        HUB_PORT=str(port),
        HUB_WORKERS="1",
        HUB_LOG_LEVEL="WARNING",
        # the journeys change the catalogue every few pages, and each change would set the worker preparing
        # suggestions again for the whole seed, taking a core from the tests running beside (tested on its own)
        HUB_SUGGESTIONS_WARM="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_answering(base_url: str, process: subprocess.Popen[bytes], server: HubServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the hub stopped at start-up (exit {process.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{base_url}/connexion", timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the hub did not answer on {base_url} within {START_TIMEOUT_SECONDS} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """The real hub (`python -m hub setup` then `serve`) on a free port, with its own fresh var/ folder."""
    var_dir = tmp_path_factory.mktemp("hub_var")
    port = _free_port()
    env = _hub_environment(var_dir, port)
    setup = subprocess.run(
        [sys.executable, "-m", "hub", "setup"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_SECONDS,
        check=False,
    )
    if setup.returncode != 0:
        pytest.fail(f"`python -m hub setup` failed (exit {setup.returncode}):\n{setup.stdout}\n{setup.stderr}")
    server = HubServer(base_url=f"http://127.0.0.1:{port}", log_path=var_dir / "serve.log")
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_answering(server.base_url, process, server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; skipped when absent, failed when HUB_REQUIRE_BROWSER=1 (CI)."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's browser with `apt-get install -y chromium`"
    if os.environ.get("HUB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"HUB_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_browser(chromium_path: Path) -> Iterator[Browser]:
    """Headless Chromium driven by Playwright; Playwright gives it a fresh temporary profile on each launch."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
