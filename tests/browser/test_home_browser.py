"""The home page and the start in Chromium: the two ways in above the fold, the municipality
search without accents and by CBS code, errors that name their field, keyboard only and without
scripts, download names with accents, the favicon, and axe (WCAG 2.1 A/AA and best practice) at
zero findings of any impact on the public pages, in Dutch and English, on desktop and phone."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_check import described, violations
from factories import connection, make_round, varied

from selfscan.storage import contact

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
TEXT = {
    "nl": {"invited": "Ik heb een uitnodigingslink", "start": "Ronde starten als coördinator",
           "submit": "Start de ronde", "municipality_error": "Gemeente: kies uw gemeente uit de lijst."},
    "en": {"invited": "I have an invitation link", "start": "Start a round as coordinator",
           "submit": "Start the round",
           "municipality_error": "Municipality: choose your municipality from the list."},
}


def _context(browser, live_server, lang: str, viewport: dict, *, scripts: bool = True):
    ctx = browser.new_context(base_url=live_server.url, viewport=viewport,
                              java_script_enabled=scripts, accept_downloads=True)
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    ctx.set_default_timeout(15_000)
    return ctx


def _tab_to(page, predicate: str, limit: int = 60) -> None:
    check = f"() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }}"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Tab")
    assert page.evaluate(check), f"not reachable with Tab: {predicate}"


def _bottom(page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"]


# --- the home page -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_both_ways_in_are_above_the_fold(browser, live_server, lang, viewport):
    ctx = _context(browser, live_server, lang, viewport)
    page = ctx.new_page()
    page.goto("/")
    invited = page.get_by_role("heading", name=TEXT[lang]["invited"], exact=True)
    start = page.get_by_role("link", name=TEXT[lang]["start"], exact=True)
    assert invited.is_visible() and start.is_visible()
    # The whole invitation explanation and the coordinator's button fit in the first screen.
    assert _bottom(page, "#uitnodiging") <= viewport["height"]
    assert _bottom(page, "#coordinator .button") <= viewport["height"]
    text = page.locator("#uitnodiging").inner_text()
    if lang == "nl":
        assert "e-mail of het bericht van de coördinator" in text
        assert "geen account" in text and "Link kwijt?" in text
    else:
        assert "e-mail or message" in text and "do not need an account" in text
        assert "Lost the link?" in text
    # The home page has no button that starts a round other than the coordinator's way in.
    starts = page.locator("a[href='/start']")
    assert starts.count() == 1
    assert starts.first.inner_text().strip() == TEXT[lang]["start"]
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE, NARROW], ids=["1280", "390", "320"])
def test_home_and_start_reflow_without_horizontal_scrolling(browser, live_server, lang, viewport):
    ctx = _context(browser, live_server, lang, viewport)
    page = ctx.new_page()
    for path in ("/", "/start", "/privacy", "/toegankelijkheid"):
        page.goto(path)
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, (path, scroll, inner)
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_keyboard_only_from_home_to_a_started_round_found_without_accents(browser, live_server,
                                                                          lang):
    ctx = _context(browser, live_server, lang, PHONE)
    page = ctx.new_page()
    page.goto("/")
    _tab_to(page, "el => el.tagName === 'A' && el.getAttribute('href') === '/start'")
    assert page.evaluate("document.activeElement.textContent.trim()") == TEXT[lang]["start"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/start"
    _tab_to(page, "el => el.id === 'municipality-filter'")
    page.keyboard.type("sudwest")
    assert page.locator("#municipality").input_value() == "GM1900"
    _tab_to(page, "el => el.tagName === 'BUTTON' && el.type === 'submit'")
    assert page.evaluate("document.activeElement.textContent.trim()") == TEXT[lang]["submit"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/c/[A-Za-z0-9_-]{32}\?nieuw=1$", page.url), page.url
    assert "Súdwest-Fryslân" in page.locator("main").inner_text()
    ctx.close()


# --- the municipality search ------------------------------------------------------------------


@pytest.mark.parametrize("typed, code", [
    ("sudwest", "GM1900"), ("SUDWEST-FRYSLAN", "GM1900"), ("GM1900", "GM1900"),
    ("1900", "GM1900"), ("gm0363", "GM0363"), ("s-hertog", "GM0796"), ("'s-Hertog", "GM0796"),
])
def test_the_search_matches_without_accents_and_by_cbs_code(browser, live_server, typed, code):
    ctx = _context(browser, live_server, "nl", DESKTOP)
    page = ctx.new_page()
    page.goto("/start")
    page.locator("#municipality-filter").fill(typed)
    assert page.locator("#municipality").input_value() == code
    shown = page.evaluate("""() => [...document.querySelectorAll('#municipality option')]
        .filter(o => o.value && !o.hidden).map(o => o.value)""")
    assert code in shown and len(shown) < 10, shown
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_search_box_has_its_own_label_and_hint_beside_it(browser, live_server, lang):
    ctx = _context(browser, live_server, lang, DESKTOP)
    page = ctx.new_page()
    page.goto("/start")
    search = page.locator("#municipality-filter")
    label = page.locator("label[for='municipality-filter']").inner_text()
    assert label == ("Zoek uw gemeente" if lang == "nl" else "Search your municipality")
    hint_id = search.get_attribute("aria-describedby")
    assert hint_id == "municipality-filter-hint"
    assert "GM1900" in page.locator(f"#{hint_id}").inner_text()
    # Order in the page: search label, its hint, the search box; then the select's own label,
    # its own hint and the select. No hint sits between another field's label and control.
    order = page.evaluate("""() => [...document.querySelectorAll(
        'main label, main .hint, main input, main select')]
        .map(e => e.id || ('for:' + e.htmlFor))""")
    start = order.index("for:municipality-filter")
    assert order[start:start + 6] == ["for:municipality-filter", "municipality-filter-hint",
                                      "municipality-filter", "for:municipality",
                                      "municipality-hint", "municipality"], order
    # The number found is announced in the page's language, singular for one.
    search.fill("sudwest")
    live = page.locator("#municipality-filter ~ [aria-live]")
    assert live.inner_text() == ("1 gemeente gevonden" if lang == "nl" else "1 municipality found")
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_without_scripts_the_select_works_and_errors_name_their_field(browser, live_server, lang):
    ctx = _context(browser, live_server, lang, PHONE, scripts=False)
    page = ctx.new_page()
    page.goto("/start")
    assert page.locator("#municipality-filter").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT[lang]["submit"]).click()
    summary = page.locator("#error-summary")
    message = TEXT[lang]["municipality_error"]
    assert summary.get_by_role("link", name=message).get_attribute("href") == "#municipality"
    assert page.locator("#municipality-error").inner_text() == message
    page.select_option("#municipality", label="Súdwest-Fryslân")
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT[lang]["submit"]).click()
    assert re.search(r"/c/[A-Za-z0-9_-]{32}\?nieuw=1$", page.url), page.url
    ctx.close()


def test_an_error_summary_takes_focus_and_leads_to_the_field(browser, live_server):
    ctx = _context(browser, live_server, "nl", DESKTOP)
    page = ctx.new_page()
    page.goto("/start")
    page.locator("#municipality-filter").fill("geen-gemeente-zo")
    page.locator("#municipality").select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Start de ronde").click()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#municipality"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "municipality"
    ctx.close()


# --- favicon, downloads ----------------------------------------------------------------------------


def test_the_favicon_is_served_locally(browser, live_server):
    ctx = _context(browser, live_server, "nl", DESKTOP)
    page = ctx.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href is not None and href.startswith("/static/")
    response = page.request.get(href)
    assert response.status == 200 and "image/svg+xml" in response.headers["content-type"]
    assert response.body().startswith(b"<svg")
    assert hosts == {urlsplit(live_server.url).netloc}
    ctx.close()


def test_a_pdf_of_a_municipality_with_accents_downloads_under_its_own_name(browser, live_server):
    handle = make_round(live_server.app, varied(4), municipality="GM1900")
    ctx = _context(browser, live_server, "nl", DESKTOP)
    page = ctx.new_page()
    page.goto(f"/c/{handle.coordinator}/uitkomsten")
    for url, suffix in ((f"/c/{handle.coordinator}/uitkomsten/rapport.pdf", ".pdf"),
                        (f"/c/{handle.coordinator}/antwoorden.csv?toelichting=1",
                         "-antwoorden-met-toelichting.csv")):
        with page.expect_download() as info:
            page.evaluate("url => { const a = document.createElement('a'); a.href = url; "
                          "document.body.appendChild(a); a.click(); }", url)
        name = info.value.suggested_filename
        assert name.startswith("zelfscan-súdwest-fryslân-"), name
        assert name.endswith(f"-ronde-{handle.round_id}{suffix}"), name
    ctx.close()


# --- axe: zero findings of any impact on the pages of this area ----------------------------------



def _public_pages(live_server) -> dict[str, str]:
    unconfirmed = make_round(live_server.app, (), closed=False, municipality="GM1900",
                             email="regie@gemeente.example")
    with connection(live_server.app) as db:
        confirmation = contact.new_confirmation(db, unconfirmed.round_id)
    return {
        "home": "/", "start": "/start", "privacy": "/privacy",
        "accessibility": "/toegankelijkheid", "login": "/ccv/inloggen",
        "contact.links": "/links-opnieuw", "contact.confirm": f"/bevestig/{confirmation}",
        "error 404": "/bestaat-niet", "error 404 secret link": "/c/Zq8xW3vN0pLm5RtY7uKc2HdJ9sAeFgBi",
    }


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_axe_finds_nothing_on_the_public_pages(browser, live_server, axe, lang, viewport):
    pages = _public_pages(live_server)
    ctx = _context(browser, live_server, lang, viewport)
    page = ctx.new_page()
    failures = []
    for name, path in pages.items():
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == lang, name
        failures += [f"{name}: {f}" for f in described(violations(axe, page))]
    # The start page with its errors shown, and with the search box in use.
    page.goto("/start")
    page.locator("#municipality-filter").fill("sudwest")
    failures += [f"start (search): {f}" for f in described(violations(axe, page))]
    page.locator("#municipality").select_option("")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    failures += [f"start (errors): {f}" for f in described(violations(axe, page))]
    ctx.close()
    assert not failures, "\n".join(failures)
