"""make demo in a browser: the links and the password that `flask demo-setup` prints open the demo
round's pages and the CCV dashboard of the app serving that demo instance."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from selfscan import create_app

ROOT = Path(__file__).resolve().parents[2]
RADAR_DRAWN = ("() => document.querySelectorAll(\".chart[data-chart='radar'] .main-svg .scatterlayer "
               ".trace\").length >= 1")
BOXES_DRAWN = "() => document.querySelectorAll('.trace.boxes, g.boxlayer .trace').length > 0"


@dataclass
class Demo:
    url: str
    links: dict[str, str]  # paths of the printed links, and the printed e-mail and password
    dimensions: list[str]  # the Dutch titles of the questionnaire's dimensions
    output: str


def _printed(output: str, base: str) -> dict[str, str]:
    patterns = {
        "coordinator": r"Coördinatorlink demoronde: (\S+)",
        "results": r"Uitkomsten: +(\S+)",
        "readonly": r"Alleen-lezenlink: +(\S+)",
        "signin": r"CCV-dashboard: +(\S+)",
        "email": r"e-mail (\S+),",
        "password": r"wachtwoord (\S+)",
    }
    links = {}
    for key, pattern in patterns.items():
        match = re.search(pattern, output)
        assert match, f"demo-setup printed no {key}:\n{output}"
        links[key] = match.group(1)
    for key in ("coordinator", "results", "readonly", "signin"):
        assert links[key].startswith(base + "/"), links[key]  # the address it is served on
        links[key] = urlsplit(links[key]).path
    return links


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    """`flask demo-setup` into a fresh instance folder, as `make demo` runs it, and that instance
    served on a free loopback port."""
    instance = tmp_path_factory.mktemp("demo-instance")
    # Not TESTING: an error is a 500 page to the browser, as `make demo` serves it.
    app = create_app({"INSTANCE_PATH": str(instance)})
    server = make_server("127.0.0.1", 0, app, threaded=True)  # the port first: the links print it
    base = f"http://127.0.0.1:{server.server_port}"
    env = {**os.environ, "SELFSCAN_INSTANCE_PATH": str(instance)}
    setup = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "selfscan", "demo-setup", "--url", base],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    links = _printed(setup.stdout, base)
    with app.app_context():
        from selfscan.web import ensure_ready

        ensure_ready(app)
        dimensions = [d.title.nl for d in app.extensions["selfscan.current"].dimensions]
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield Demo(base, links, dimensions, setup.stdout)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def visit(browser, demo):
    """A fresh browser context on the demo, in Dutch; closed after the test."""
    contexts = []

    def new_page():
        ctx = browser.new_context(base_url=demo.url, locale="nl-NL")
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield new_page
    for ctx in contexts:
        ctx.close()


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_demo_prints_where_it_is(demo):
    assert "synthetische gegevens" in demo.output
    assert demo.links["email"] == "demo@ccv.example"
    assert len(demo.links["password"]) >= 12


def test_coordinator_link_opens_the_closed_demo_round(visit, demo):
    page = visit()
    response = page.goto(demo.links["coordinator"])
    assert response is not None and response.status == 200
    text = _main_text(page)
    assert "Demonstratieronde (synthetisch, voorbeeld)" in text
    assert "Synthetische data" in text
    assert re.search(r"Ingediend:\s*8\b", text), text  # the eight demo respondents
    with page.expect_navigation():
        page.get_by_role("link", name="Bekijk de uitkomsten").click()
    assert page.url.endswith(demo.links["results"])


def test_results_link_shows_the_radar_and_the_scores(visit, demo):
    page = visit()
    response = page.goto(demo.links["results"])
    assert response is not None and response.status == 200
    page.wait_for_function(RADAR_DRAWN, timeout=30_000)
    text = _main_text(page)
    assert "8 deelnemers" in text
    table = page.locator("table", has_text=demo.dimensions[0]).first
    rows = table.inner_text()
    for title in demo.dimensions:  # every dimension with its score (a number with a decimal comma)
        assert re.search(re.escape(title) + r"\s+\d{1,3},\d", rows), (title, rows)
    # The radar draws the same dimensions as its axes.
    axes = page.locator(".chart[data-chart='radar'] .main-svg").first.text_content() or ""
    assert all(title.split()[0] in axes for title in demo.dimensions), axes


def test_readonly_link_shows_the_results_without_the_coordinator_page(visit, demo):
    page = visit()
    response = page.goto(demo.links["readonly"])
    assert response is not None and response.status == 200
    text = _main_text(page)
    assert "alleen-lezen link" in text
    assert "Demonstratieronde (synthetisch, voorbeeld)" in text and "8 deelnemers" in text
    assert "Coördinatorlink" not in text
    assert demo.links["coordinator"] not in page.content()  # the secret link is not given away


def test_printed_password_signs_in_to_the_ccv_dashboard(visit, demo):
    page = visit()
    page.goto(demo.links["signin"])
    page.get_by_label(re.compile("e-mail", re.I)).fill(demo.links["email"])
    page.get_by_label(re.compile("wachtwoord", re.I)).fill(demo.links["password"])
    with page.expect_navigation():
        page.locator("main form").get_by_role("button").last.click()
    assert urlsplit(page.url).path == "/ccv", page.url
    text = _main_text(page)
    assert f"Ingelogd als {demo.links['email']}" in text
    assert page.locator("#synthetic-notice").is_visible()
    assert page.locator("#no-release").count() == 0
    page.wait_for_function(BOXES_DRAWN, timeout=30_000)  # the benchmark of the synthetic release


def test_a_wrong_password_is_refused(visit, demo):
    page = visit()
    page.goto(demo.links["signin"])
    page.get_by_label(re.compile("e-mail", re.I)).fill(demo.links["email"])
    page.get_by_label(re.compile("wachtwoord", re.I)).fill(demo.links["password"] + "x")
    page.locator("main form").get_by_role("button").last.click()
    page.wait_for_load_state()
    assert "/inloggen" in page.url
    assert "Ingelogd als" not in _main_text(page)
