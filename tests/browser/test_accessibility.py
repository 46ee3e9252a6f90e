"""Accessibility proof: axe-core on every kind of page in Dutch and English, and 320 px reflow.

axe runs the WCAG 2.1 A/AA rules and the best-practice rules, and a page passes only with zero
findings of any impact (critical, serious, moderate or minor)."""

from __future__ import annotations

import pytest
from axe_check import readable, violations
from factories import make_round, make_user, municipalities_where, varied

from selfscan.core import disclosure, session
from selfscan.storage import contact, readonly_links, releases, sessions
from selfscan.storage import db as dbmod

pytestmark = pytest.mark.browser

CCV_EMAIL = "a11y@ccv.example"
CCV_PASSWORD = "toegankelijk-en-geheim-123"
BENCHMARK_CODES = ("GM0014", "GM0344", "GM0518", "GM0599", "GM0772")



@pytest.fixture(scope="module")
def site(live_server):
    """Rounds in every state a page can show, made through the store."""
    app = live_server.app
    for n, code in enumerate(BENCHMARK_CODES):
        make_round(app, varied(3, seed=n), municipality=code)
    closed = make_round(app, varied(4), municipality="GM0363")
    open_round = make_round(app, varied(2), submitted=1, closed=False, municipality="GM0363")
    # A confirmed coaching request (approval queue, coaching list) and an unconfirmed round.
    asked = make_round(app, varied(3), municipality="GM0599", coaching=True, email="regie@gemeente.nl")
    unconfirmed = make_round(app, (), closed=False, municipality="GM0599", email="regie@gemeente.nl")
    db = dbmod.connect(app.config["DATABASE"])
    try:
        if not db.execute("SELECT 1 FROM users WHERE email = ?", [CCV_EMAIL]).fetchone():
            make_user(db, CCV_EMAIL, CCV_PASSWORD)
        contact.confirm(db, contact.new_confirmation(db, asked.round_id))
        confirmation = contact.new_confirmation(db, unconfirmed.round_id)
        # The part after the scan: a working session with an agreement, a target and an action,
        # and a read-only link.
        q = app.extensions["selfscan.current"]
        item = q.dimensions[0].items[0]
        sessions.save_agreement(db, closed.round_id, item.id, session.AgreementInput(
            2, note="Besproken", evidence_title="Convenant 2026"), None)
        sessions.save_target(db, closed.round_id, q.dimensions[0].id, 3, None)
        action = sessions.add_action(db, closed.round_id, session.ActionInput(
            q.dimensions[0].id, item.id, "Casusoverleg vastleggen", who="Gemeente"))
        readonly = readonly_links.create_or_replace(db, closed.round_id)
        _synthetic_release(app, db)
    finally:
        db.conn.close()
    return {"closed": closed, "open": open_round, "confirmation": confirmation,
            "item": item.id, "action": action.id, "readonly": readonly}


def _synthetic_release(app, db) -> None:
    """A synthetic release, so that axe sees the benchmark with its charts and tables (synthetic:
    the real releases of other browser tests stay as they are)."""
    if releases.exists(db, True):
        return
    q = app.extensions["selfscan.current"]
    for n, code in enumerate(municipalities_where(db, province="Zeeland")[:6]):
        made = make_round(db, varied(3, seed=n), questionnaire=q, municipality=code,
                          synthetic=True)
        with dbmod.write(db):  # synthetic rounds count without the queue, as demo-data makes them
            db.execute("UPDATE rounds SET approval = 'approved' WHERE id = ?", [made.round_id])
    releases.cut(db, *disclosure.published_ids(app.extensions["selfscan.library"], q),
                 synthetic=True)


CCV_PAGES = {
    "ccv.dashboard": "/ccv",
    "ccv.dashboard (release)": "/ccv?synthetisch=1",
    "ccv.dashboard (breakdown)": "/ccv?synthetisch=1&tabel=peer_group",
    "ccv.release_list": "/ccv/releases",
    "approvals.queue": "/ccv/goedkeuren",
    "ccv.coaching": "/ccv/coaching",
    "ccv.exports": "/ccv/export?synthetisch=1",
}
"""Every page type of the CCV blueprint behind the sign-in (the sign-in page is in _pages)."""


def _pages(live_server, site) -> dict[str, str]:
    app = live_server.app
    closed, open_round = site["closed"], site["open"]
    started = open_round.respondents[1][1]
    pages = {
        "home": "/",
        "privacy": "/privacy",
        "toegankelijkheid": "/toegankelijkheid",
        "start": "/start",
        "links-opnieuw": "/links-opnieuw",
        "bevestig": f"/bevestig/{site['confirmation']}",
        "coordinator (open)": f"/c/{open_round.coordinator}",
        "coordinator (closed)": f"/c/{closed.coordinator}",
        "invitation": f"/i/{open_round.invitation}",
        "saved": f"/r/{started}/opgeslagen",
        "done": f"/r/{open_round.respondents[0][1]}/klaar",
        "404": "/bestaat-niet",
        "404 secret link": "/c/Zq8xW3vN0pLm5RtY7uKc2HdJ9sAeFgBi",
    }
    for n in range(1, 8):
        pages[f"questionnaire step {n}" if n < 7 else "review"] = f"/r/{started}/stap/{n}"
    # Every HTML page of the results blueprint that needs only the coordinator token.
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("results.") and "GET" in (rule.methods or ()) \
                and set(rule.arguments) == {"token"} and "pdf" not in rule.rule.lower():
            pages[rule.endpoint] = rule.rule.replace("<token>", closed.coordinator)
    # The working session and the read-only link (issue 13).
    base = f"/c/{closed.coordinator}/werksessie"
    pages["session.overview"] = base
    pages["session.item"] = f"{base}/{site['item']}"
    pages["session.action"] = f"{base}/acties/{site['action']}"
    pages["readonly.results"] = f"/l/{site['readonly']}"
    pages["readonly.report"] = f"/l/{site['readonly']}/rapport"
    pages["ccv.login"] = "/ccv/inloggen"
    return pages


def _sign_in(page) -> None:
    page.goto("/ccv/inloggen")
    page.fill("input[type=email], input[name=email]", CCV_EMAIL)
    page.fill("input[type=password]", CCV_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _check(axe, page, name: str, failures: list[str]) -> None:
    if found := violations(axe, page):  # every impact counts, minor included
        failures.append(f"{name} ({page.url}):\n{readable(found)}")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_axe_on_every_kind_of_page(browser, live_server, site, axe, lang):
    ctx = browser.new_context(base_url=live_server.url)
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    failures: list[str] = []
    checked = []
    for name, path in _pages(live_server, site).items():
        response = page.goto(path)
        assert response is not None and response.status < 500, (name, path)
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        assert page.evaluate("document.documentElement.lang") == lang, name
        _check(axe, page, name, failures)
        checked.append(name)
    _sign_in(page)
    for name, path in CCV_PAGES.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (name, path)
        _check(axe, page, name, failures)
        checked.append(name)
    ctx.close()
    assert {"home", "start", "review", "questionnaire step 2", "404", *CCV_PAGES} <= set(checked)
    assert not failures, f"{len(failures)} page(s) with axe findings ({lang}, WCAG 2.1 A/AA " \
        f"and best practice, any impact):\n" + "\n".join(failures)


def test_results_and_ccv_pages_exist_for_axe(live_server, site):
    """The results and CCV pages that axe checks are there: a renamed route fails here."""
    pages = _pages(live_server, site)
    client = live_server.app.test_client()
    for name in ("results.results", "ccv.login", "session.overview", "session.item",
                 "session.action", "readonly.results", "readonly.report"):
        assert client.get(pages[name]).status_code == 200, name
    dashboard = client.get("/ccv")  # ccv.dashboard, checked after signing in
    assert dashboard.status_code == 302 and "/ccv/inloggen" in dashboard.headers["Location"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_questionnaire_pages_reflow_at_320px(browser, live_server, site, tmp_path, lang):
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    token = site["open"].respondents[1][1]
    failures = []
    for n in range(1, 8):
        page.goto(f"/r/{token}/stap/{n}")
        page.wait_for_load_state("networkidle")
        shot = tmp_path / f"stap-{n}-{lang}-320.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
            failures.append(f"step {n}: scrollWidth {widths[0]} > {widths[1]}; too wide: {wide}"
                            f" (screenshot {shot})")
    ctx.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_session_and_readonly_pages_reflow_at_320px(browser, live_server, site, lang):
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    pages = _pages(live_server, site)
    failures = []
    for name in ("session.overview", "session.item", "session.action", "readonly.results"):
        page.goto(pages[name])
        page.wait_for_load_state("networkidle")
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            failures.append(f"{name}: scrollWidth {scroll} > {inner}")
    ctx.close()
    assert not failures, "\n".join(failures)
