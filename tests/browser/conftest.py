"""Browser tests: a real `originality serve` process on loopback, a real SQLite archive that
the test fills through the engine, and Debian's Chromium driven by Playwright.

`make test` installs Chromium (apt) and Playwright (pip). A missing browser fails the tests
with a message instead of skipping them, so a green run always means the pages were seen.
Set ORIGINALITY_SCREENSHOT_DIR to keep each page's screenshot (`make screenshots` writes
docs/screenshots/); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVER_STOP_SECONDS = 20
SERVER_START_SECONDS = 30.0
VIEWPORT = {"width": 1400, "height": 900}
# No background traffic: this machine's network is closed, and each refused connection would
# only slow the tests down.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("ORIGINALITY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The key of the pseudonyms an assessor reads instead of other students' ids (docs/privacy.md).
PSEUDONYM_SECRET = "browser-tests"


@dataclass
class Site:
    """The running service and its archive, seen from the test."""

    url: str
    data_dir: Path
    archive: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, role: str, name: str) -> str:
        from originality.store.access import create_token

        key = f"{role}:{name}"
        if key not in self.tokens:
            self.tokens[key] = create_token(self.archive.db, role, name)
        return self.tokens[key]

    def add(self, scenario: str, student: str, project: str, assessor: str | None = "ada",
            attempt: int = 1) -> str:
        """A checked submission of a named fixture scenario, entered as a worker would."""
        from tests.support import scenario_files

        return self.add_files(scenario_files(scenario), student, project, assessor, attempt)

    def add_files(self, files: dict[str, bytes], student: str, project: str,
                  assessor: str | None = "ada", attempt: int = 1) -> str:
        """A checked submission of these files, entered as a worker would."""
        from tests.support import enter_checked, write_upload

        return enter_checked(self.archive, write_upload(self.data_dir, files),
                             student=student, project=project, attempt=attempt, assessor=assessor)

    @staticmethod
    def other(student_id: str) -> str:
        """How an assessor reads another student's id (the pseudonym under PSEUDONYM_SECRET)."""
        from originality.privacy.exposure import pseudonym

        return pseudonym(PSEUDONYM_SECRET, student_id)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    from originality.archive import Archive
    from originality.store.settings import Settings

    data_dir = tmp_path / "data"
    env = {**os.environ, "ORIGINALITY_DATA_DIR": str(data_dir), "ORIGINALITY_INDEX": "memory",
           # Pages need no broker; nothing is uploaded through the API here.
           "ORIGINALITY_REDIS_URL": "redis://127.0.0.1:9/0",
           "ORIGINALITY_PSEUDONYM_SECRET": PSEUDONYM_SECRET}
    env.pop("ORIGINALITY_DATABASE_URL", None)
    archive = Archive.open(Settings.from_env(env))  # creates the database before the server
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "originality", "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=REPO, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("originality serve did not start:\n" +
                                         (tmp_path / "serve.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield Site(url=url, data_dir=data_dir, archive=archive)
    finally:
        process.terminate()
        try:
            # gunicorn lets its workers finish their requests first (GRACEFUL_SECONDS): on a
            # loaded machine that can take longer than a test should wait.
            process.wait(SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        archive.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile per test, in a fixed time zone so shown times can be asserted."""
    ctx = browser.new_context(viewport=VIEWPORT, timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ORIGINALITY_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


SHOT_MAX_HEIGHT = 1800


def screenshot(page: Any, folder: Path, name: str) -> Path:
    """Save the page (its first SHOT_MAX_HEIGHT pixels); a blank capture fails the test."""
    path = folder / f"{name}.png"
    height = min(SHOT_MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})
    assert path.stat().st_size > 5_000, f"{name}: the screenshot looks empty"
    return path


def sign_in(page: Any, site: Site, token: str, path: str = "/") -> None:
    page.goto(site.url + path)
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
