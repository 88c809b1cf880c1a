"""Real-browser journeys: Debian's Chromium driven by Playwright against a live ASGI server
(daphne, in a thread of the test process) so pages, htmx and WebSockets run for real.

They need PostgreSQL: the server's threads and the test share the committed test database,
which an in-memory SQLite database cannot offer. Screenshots go to tests/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import requires_postgres

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "journeys" in str(item.fspath):
            item.add_marker(requires_postgres)
            item.add_marker(needs_chromium)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def live_url():
    """Daphne serving the project (plus static files from the app folders) on a free port."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    port = _free_port()
    server = Server(
        application=ASGIStaticFilesHandler(application),
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=port),
        signal_handlers=False,
        verbosity=0,
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    from django.db import connections
    from twisted.internet import reactor

    reactor.callFromThread(reactor.stop)
    # The server's threads returned their connections to the pool; close it so the test
    # database can be dropped at the end of the session.
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


@pytest.fixture(scope="module")
def browser():
    """Chromium for this module only: Playwright's sync API keeps an event loop running in the
    test thread while it lives, which other tests (``async_to_sync``) must not inherit."""
    # With that loop running, Django refuses ORM calls in the test thread; the test thread never
    # shares a connection with the loop, the case this switch exists for.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_as(browser, live_url):
    """A signed-in page for a cast member, in the given browser language."""
    contexts = []

    def sign_in(username: str, language: str):
        context = browser.new_context(
            locale=language, extra_http_headers={"Accept-Language": language}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_url}/portal/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-collab-test")
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
