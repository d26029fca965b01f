"""Browser tests: Playwright for Python driving Debian's Chromium (apt-get install chromium).

Without Chromium they are skipped with the reason shown, unless REQUIRE_BROWSER_TESTS=1 (set
by .ci/run), which turns a missing browser into a failure.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# for their data are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def chromium_path():
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable:
        message = "Chromium is not installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(message.replace("skipped", "required by REQUIRE_BROWSER_TESTS=1"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, browser, live_server):
    """A fresh page at a phone or desktop size; screenshots it at the end of the test."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.viewport_name = request.param
    violations = []
    context.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    wait_for_the_servers_requests()
    assert not violations, f"the page broke its Content-Security-Policy: {violations}"


def wait_for_the_servers_requests(seconds=5):
    """Let what the closing page sent (an autosave on pagehide, a picture still loading) finish
    in the live server's threads before the test's database is emptied: on PostgreSQL the
    flush's TRUNCATE and such a request's row locks could deadlock."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    time.sleep(0.2)  # a request the browser sent as it closed reaches the server
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)
