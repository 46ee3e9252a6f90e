"""Browser fixtures: the app on a real HTTP port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import make_app
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get("SELFSCAN_CHROMIUM") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent == here:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    app: Flask
    url: str  # http://127.0.0.1:<port>, no trailing slash


@contextmanager
def serving(app: Flask, name: str = "live-server") -> Iterator[LiveServer]:
    """`app` served by werkzeug on a free loopback port, in a background thread, until the block
    ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve():
    """`serving`, for a module that needs an application of its own (on its own database)."""
    return serving


@pytest.fixture(scope="session")
def live_server(template, tmp_path_factory) -> Iterator[LiveServer]:
    """The application of most browser tests, on its own instance folder and database."""
    instance = tmp_path_factory.mktemp("browser-instance")
    # Not TESTING: an error is a 500 page to the browser, as in production.
    app = make_app(template, instance, TESTING=False, SECRET_KEY="browser-test-secret")
    with serving(app) as server:
        yield server


@pytest.fixture(scope="session")
def axe():
    """axe-core for Playwright (the rules and how to run them: tests/axe_check.py)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="session")
def browser():
    """Chromium from Debian; skip visibly when missing, but fail when CI demands a browser."""
    path = chromium_path()
    if not Path(path).exists():
        message = (f"Chromium not found at {path} (set SELFSCAN_CHROMIUM or install the Debian "
                   "package chromium); browser tests did not run")
        if os.environ.get("SELFSCAN_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " but SELFSCAN_REQUIRE_BROWSER=1 requires them", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(base_url=live_server.url, accept_downloads=True, locale="nl-NL")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()
