"""Screenshots of the main pages for the README, taken from the real app on a temporary demo instance.

    .venv/bin/python docs/screenshots/make_screenshots.py      (or: make screenshots)

Runs `flask demo-setup` (the demo of `make demo`) into a throw-away instance folder, adds an open
round with one respondent for a questionnaire page, serves the app on a free loopback port and
takes PNGs 1280 px wide with Debian's Chromium through Playwright: the home page, a questionnaire
page, the results page with its radar drawn, and the CCV dashboard signed in with the printed demo
account. The PNGs are reduced to a 256-colour palette so that they stay small in the repository.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402  (installed with fpdf2)
from werkzeug.serving import make_server  # noqa: E402

from selfscan import create_app  # noqa: E402
from selfscan.storage import db as dbmod  # noqa: E402
from selfscan.storage import rounds  # noqa: E402
from selfscan.web import ensure_ready  # noqa: E402

OUT = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1280, 860
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--hide-scrollbars", "--font-render-hinting=none"]
PRINTED = {
    "coordinator": r"Coördinatorlink demoronde: (\S+)",
    "results": r"Uitkomsten: +(\S+)",
    "signin": r"CCV-dashboard: +(\S+)",
    "email": r"e-mail (\S+),",
    "password": r"wachtwoord (\S+)",
}
# A chart counts as drawn once plotly has put its traces in the SVG.
RADAR_DRAWN = ("() => document.querySelectorAll(\".chart[data-chart='radar'] .main-svg .scatterlayer "
               ".trace, .chart[data-chart='radar'] .main-svg .barpolarlayer .trace\").length > 0")
BOXES_DRAWN = "() => document.querySelectorAll('.trace.boxes, g.boxlayer .trace').length > 0"


def demo(app, base: str) -> dict[str, str]:
    """Run the demo setup as `make demo` does and return the printed paths and account."""
    result = app.test_cli_runner().invoke(args=["demo-setup", "--url", base])
    if result.exit_code != 0:
        raise SystemExit(f"demo-setup failed:\n{result.output}")
    links = {}
    for key, pattern in PRINTED.items():
        match = re.search(pattern, result.output)
        if not match:
            raise SystemExit(f"demo-setup printed no {key}:\n{result.output}")
        links[key] = match.group(1)
    for key in ("coordinator", "results", "signin"):
        links[key] = urlsplit(links[key]).path
    return links


def open_round_with_respondent(app) -> str:
    """A synthetic open round whose respondent has answered part of it; returns the resume link."""
    q = app.extensions["selfscan.current"]
    db = dbmod.connect(app.config["DATABASE"])
    try:
        round_id, _ = rounds.create_round(db, municipality_code="GM0344", questionnaire=q,
                                          year=date.today().year, name="Demoronde (open)",
                                          synthetic=True)
        respondent_id, resume = rounds.create_respondent(db, round_id, "police")
        answers = {item.id: str((n * 3 + k) % 5) for n, d in enumerate(q.dimensions)
                   for k, item in enumerate(d.items) if k < 2}
        rounds.save_answers(db, respondent_id, answers=answers)
    finally:
        db.conn.close()
    return f"/r/{resume}/stap/2"


def shrink(path: Path) -> None:
    """A 256-colour palette PNG: a third of the size, no visible difference for a page of text."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def shoot(page, name: str, clip_top: float = 0.0) -> Path:
    path = OUT / f"{name}.png"
    page.evaluate("() => document.fonts.ready")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide",
                    clip={"x": 0, "y": clip_top, "width": WIDTH, "height": HEIGHT})
    shrink(path)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    return path


def take(base: str, links: dict[str, str], questionnaire: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("SELFSCAN_CHROMIUM") or "/usr/bin/chromium"
    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            ctx = browser.new_context(base_url=base, locale="nl-NL",
                                      viewport={"width": WIDTH, "height": HEIGHT})
            ctx.set_default_timeout(30_000)
            page = ctx.new_page()
            page.goto("/", wait_until="networkidle")
            shots.append(shoot(page, "home"))

            page.goto(questionnaire, wait_until="networkidle")
            page.wait_for_selector("form input[type=radio]")
            shots.append(shoot(page, "questionnaire"))

            page.goto(links["results"], wait_until="networkidle")
            page.wait_for_function(RADAR_DRAWN, timeout=60_000)
            # From the radar's heading down: the chart, its legend and the table with the numbers.
            top = page.evaluate("""() => {
              const chart = document.querySelector(".chart[data-chart='radar']");
              let el = chart, heading = null;
              while (el && !heading) {
                let s = el.previousElementSibling;
                while (s && !heading) {
                  if (/^H[1-3]$/.test(s.tagName)) heading = s;
                  s = s.previousElementSibling;
                }
                el = el.parentElement;
              }
              return (heading || chart).getBoundingClientRect().top + window.scrollY;
            }""")
            shots.append(shoot(page, "results", clip_top=max(0.0, top - 24)))

            page.goto(links["signin"], wait_until="networkidle")
            page.fill("input[type=email], input[name=email]", links["email"])
            page.fill("input[type=password]", links["password"])
            with page.expect_navigation():
                page.locator("form button[type=submit], form input[type=submit]").last.click()
            if "/inloggen" in page.url:
                raise SystemExit("signing in with the demo account failed")
            page.wait_for_load_state("networkidle")
            try:
                page.wait_for_function(BOXES_DRAWN, timeout=30_000)
            except Exception:  # noqa: BLE001 - a dashboard without box plots is still worth showing
                print("CCV dashboard: no box plots drawn; screenshot taken as it is")
            shots.append(shoot(page, "ccv-dashboard"))
            ctx.close()
        finally:
            browser.close()
    return shots


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log
    with tempfile.TemporaryDirectory(prefix="selfscan-screenshots-") as tmp:
        app = create_app({"INSTANCE_PATH": tmp})
        ensure_ready(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        links = demo(app, base)
        questionnaire = open_round_with_respondent(app)
        thread = threading.Thread(target=server.serve_forever, name="screenshots", daemon=True)
        thread.start()
        try:
            take(base, links, questionnaire)
        finally:
            server.shutdown()
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
