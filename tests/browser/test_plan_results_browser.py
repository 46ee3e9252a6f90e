"""The results page and report with a working session's plan: axe-core in Dutch and English, and
no horizontal scroll at 320 px."""

from __future__ import annotations

from datetime import date

import pytest
from axe_check import described, violations
from factories import make_round, varied

from selfscan.core.session import ActionInput, AgreementInput
from selfscan.storage import db as dbmod
from selfscan.storage import sessions

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def planned(live_server):
    """A round with a plan that follows a round with targets and a done action."""
    app = live_server.app
    q = app.extensions["selfscan.current"]
    tool = app.extensions["selfscan.library"].catalogue.tools[0]
    first = make_round(app, varied(4), municipality="GM0344")
    db = dbmod.connect(app.config["DATABASE"])
    try:
        for n, d in enumerate(q.dimensions):
            sessions.save_target(db, first.round_id, d.id, n % 5, None)
            sessions.add_action(db, first.round_id, ActionInput(
                d.id, None, f"Afspraak {n} over een lange werkwijze met de ketenpartners",
                "Zorg- en Veiligheidshuis", status="done" if n % 2 else "open"))
        second = make_round(app, varied(6), municipality="GM0344", previous_round_id=first.round_id)
        for n, item in enumerate(q.items):
            sessions.save_agreement(db, second.round_id, item, AgreementInput(
                n % 5, "Een toelichting van de groep die langer is dan een regel op een telefoon",
                "Convenant zorg en veiligheid 2026", "https://example.org/een/heel/lang/webadres"),
                None)
        for d in q.dimensions:
            sessions.save_target(db, second.round_id, d.id, 3, None)
            sessions.add_action(db, second.round_id, ActionInput(
                d.id, d.items[0].id, "Werkwijze vastleggen in het convenant", "Gemeente",
                date(2027, 6, 30), tool.id, "busy"))
    finally:
        db.conn.close()
    return second


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_plan_pages_pass_axe_and_reflow_at_320px(browser, live_server, planned, axe, lang):
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    failures = []
    try:
        page = ctx.new_page()
        for path in (f"/c/{planned.coordinator}/uitkomsten",
                     f"/c/{planned.coordinator}/uitkomsten/rapport"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.locator("#action-plan").count() == 1
            failures += [f"{path}: {line}" for line in described(violations(axe, page))]
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                failures.append(f"{path}: scrollWidth {widths[0]} > {widths[1]}")
    finally:
        ctx.close()
    assert not failures, "\n".join(failures)
