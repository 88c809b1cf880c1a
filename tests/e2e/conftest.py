"""A live ASGI server (daphne, one process, in-memory channel layer) on the test database, and
Debian's Chromium driven by Playwright.

Why this shape: every write in the scenario goes through that one server process (the buyer
through the pages, the companies through the REST API), so the live pushes travel exactly as in
production and the in-memory layer suffices; the server only has to share the database with the
test, which PostgreSQL allows and an in-memory SQLite database does not.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SERVER_LOG = Path(tempfile.gettempdir()) / "collab-e2e-server.log"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_server_url(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the live server shares the test database: needs PostgreSQL (DATABASE_URL)")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    db = connection.settings_dict
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "PYTEST_CURRENT_TEST")
    }
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        DEBUG="true",  # static files straight from the apps, as in `make run`
        DATABASE_POOL_MAX="4",
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    if not env["DJANGO_SETTINGS_MODULE"]:
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    daphne = Path(sys.executable).with_name("daphne")
    log = open(SERVER_LOG, "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603 - our own venv's daphne
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _attempt in range(200):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited; see {SERVER_LOG}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError("the server did not come up")


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def api(base: str, key: str, method: str, path: str, body: dict | None = None) -> dict:
    """A company's call to the REST API, as an integrator or the portal would make it."""
    request = urllib.request.Request(  # noqa: S310 - our own live server
        f"{base}/api/v1/{path}",
        method=method,
        data=json.dumps(body or {}).encode() if method == "POST" else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())
