"""The whole life of a round in a real Chromium, operated with the keyboard only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from factories import make_round, make_user, varied

from selfscan.core import disclosure
from selfscan.storage import db as dbmod
from selfscan.storage import releases, rounds

pytestmark = pytest.mark.browser

STEPS = 7  # context, five dimensions, review
CCV_EMAIL = "programmaleider@ccv.example"
CCV_PASSWORD = "een-lang-en-geheim-wachtwoord"
# Municipalities for the benchmark rounds the CCV dashboard needs (threshold: 5).
BENCHMARK_CODES = ("GM0014", "GM0344", "GM0518", "GM0599", "GM0772", "GM0034", "GM0080", "GM0114",
                   "GM0153", "GM0193", "GM0200", "GM0202")


# --- keyboard helpers --------------------------------------------------------------------------


def tab_to(page, js_predicate: str, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab until the focused element satisfies `js_predicate` (a function of the element).

    Fails when the element cannot be reached with the keyboard within `limit` presses.
    """
    check = f"() => {{ const el = document.activeElement; return !!el && ({js_predicate})(el); }}"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    if page.evaluate(check):
        return
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"not reachable with Tab: {js_predicate}; focus is on {focused[:200]}")


def by_name(name: str) -> str:
    return f"el => el.name === {name!r}"


def button(text: str) -> str:
    return f"el => (el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim() === {text!r}"


def press_button(page, text: str) -> None:
    tab_to(page, button(text))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_radio(page, name: str, index: int) -> None:
    """Tab into a radio group, then select option `index` with the arrow keys."""
    tab_to(page, by_name(name))
    current = page.evaluate("() => document.activeElement.id")
    radios = page.locator(f"input[name='{name}']")
    ids = [radios.nth(k).get_attribute("id") for k in range(radios.count())]
    position = ids.index(current)
    if not page.evaluate("() => document.activeElement.checked"):
        page.keyboard.press("Space")
    for _ in range(index - position):
        page.keyboard.press("ArrowDown")
    for _ in range(position - index):
        page.keyboard.press("ArrowUp")
    assert radios.nth(index).is_checked(), f"{name}: option {index} not selected"


def answer_dimension_page(page, pattern: int) -> dict[str, str]:
    """Answer every statement on the page; option index follows the respondent's pattern."""
    names = page.eval_on_selector_all(
        "fieldset.item input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
    given = {}
    for k, name in enumerate(names):
        option = (k + pattern) % 7 if pattern != 0 else k % 5  # 0..4 levels, 5 unknown, 6 n/a
        choose_radio(page, name, option)
        given[name] = page.locator(f"input[name='{name}']:checked").get_attribute("value")
    return given


def step_number(page) -> int:
    match = re.search(r"/stap/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


# --- the journey -------------------------------------------------------------------------------


@dataclass
class Journey:
    coordinator_url: str
    invitation_url: str
    respondents: list[dict] = field(default_factory=list)


def start_round(page) -> tuple[str, str]:
    page.goto("/")
    tab_to(page, "el => el.tagName === 'A' && el.getAttribute('href') === '/start'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/start")
    # With scripts on, a search box narrows the long list of municipalities.
    tab_to(page, "el => el.id === 'municipality-filter'")
    page.keyboard.type("Amsterdam")
    assert page.locator("#municipality").input_value() == "GM0363"
    tab_to(page, "el => el.id === 'benchmark_consent'")
    page.keyboard.press("Space")
    assert page.locator("#benchmark_consent").is_checked()
    tab_to(page, "el => el.id === 'contact_email'")  # needed once the round counts nationally
    page.keyboard.type("regie@gemeente.nl")
    press_button(page, "Start de ronde")
    assert re.search(r"/c/[A-Za-z0-9_-]{32}\?nieuw=1$", page.url), page.url
    coordinator_url = page.locator("#coordinator-link").input_value()
    invitation_url = page.locator("#invitation-link").input_value()
    assert "/i/" in invitation_url
    return coordinator_url, invitation_url


def respond(browser, live_server, invitation_url: str, role_index: int, pattern: int,
            *, pause_at: int | None = None) -> dict:
    """One respondent in a fresh browser: chooses a role group, answers, maybe pauses, submits."""
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto(invitation_url)
    choose_radio(page, "role_group", role_index)
    role = page.locator("input[name='role_group']:checked").get_attribute("value")
    press_button(page, "Begin met de scan")
    assert step_number(page) == 1
    resume_url = page.locator(".notice--info a").first.get_attribute("href")
    tab_to(page, "el => el.id === 'context-context-families'")
    page.keyboard.type("12")
    press_button(page, "Opslaan en volgende")
    given: dict[str, str] = {}
    resumed = False
    while step_number(page) < STEPS:
        number = step_number(page)
        given.update(answer_dimension_page(page, pattern))
        if pause_at == number and not resumed:
            press_button(page, "Opslaan en later verder")
            assert "/opgeslagen" in page.url
            ctx.close()
            # Later, in another browser session: the personal link brings the person back.
            ctx = browser.new_context(locale="nl-NL", base_url=live_server.url)
            ctx.set_default_timeout(15_000)
            page = ctx.new_page()
            page.goto(resume_url)
            assert step_number(page) == number + 1, "resume did not open the first open page"
            page.goto(re.sub(r"/stap/\d+", f"/stap/{number}", page.url))
            for name, value in given.items():
                if name.startswith("item-") and page.locator(f"input[name='{name}']").count():
                    assert page.locator(f"input[name='{name}']:checked").get_attribute(
                        "value") == value, f"{name} lost after resume"
            page.goto(re.sub(r"/stap/\d+", f"/stap/{number + 1}", page.url))
            resumed = True
            continue
        press_button(page, "Opslaan en volgende")
    assert page.locator("text=U hebt alle stellingen beantwoord.").count() == 1
    press_button(page, "Indienen")
    assert page.url.endswith("/klaar")
    ctx.close()
    return {"role": role, "answers": given, "resume_url": resume_url}


@pytest.fixture(scope="module")
def journey(browser, live_server) -> Journey:
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    coordinator_url, invitation_url = start_round(page)
    j = Journey(coordinator_url, invitation_url)
    # Three people from different parts of the chain; the first pauses and resumes.
    for role_index, pattern, pause in ((0, 0, 3), (3, 2, None), (6, 4, None)):
        j.respondents.append(respond(browser, live_server, invitation_url, role_index, pattern,
                                     pause_at=pause))
    page.goto(coordinator_url)
    assert "Ingediend: 3" in page.content()
    tab_to(page, "el => el.id === 'confirm-close'")
    page.keyboard.press("Space")
    press_button(page, "Sluit de ronde")
    assert page.locator(".notice--success").count() >= 1
    assert "Gesloten" in page.locator("h1 + p").inner_text()
    ctx.close()
    return j


def test_round_life_with_keyboard(journey, live_server):
    assert {r["role"] for r in journey.respondents} == {"municipality-security", "police",
                                                        "child-protection"}
    conn = dbmod.connect(live_server.app.config["DATABASE"])
    try:
        rows = conn.execute(
            """SELECT p.role_group, a.item_id, a.value FROM answers a
               JOIN respondents p ON p.id = a.respondent_id
               JOIN rounds r ON r.id = p.round_id
               WHERE r.municipality_code = 'GM0363' AND p.status = 'submitted'""").fetchall()
        status = conn.execute("SELECT status, respondent_count FROM rounds WHERE "
                              "municipality_code = 'GM0363' ORDER BY id DESC").fetchone()
    finally:
        conn.conn.close()
    stored = {(role, "item-" + item): value for role, item, value in rows}
    for person in journey.respondents:
        for name, value in person["answers"].items():
            assert stored[(person["role"], name)] == value, (person["role"], name)
    assert status == ("closed", 3)


def test_results_radar_has_five_axes(journey, browser, live_server):
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url)
    page = ctx.new_page()
    page.goto(journey.coordinator_url)
    tab_to(page, "el => el.tagName === 'A' && el.textContent.includes('Bekijk de uitkomsten')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/uitkomsten" in page.url
    page.wait_for_selector("svg.main-svg", timeout=20_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.polar .angularaxistick text').length > 0",
        timeout=20_000)
    # One labelled spoke per dimension (plotly draws a tick mark and a label per spoke).
    labels = page.eval_on_selector_all(
        ".polar .angularaxistick text", "els => els.map(e => e.textContent.trim()).filter(Boolean)")
    assert len(labels) == 5, f"radar has {len(labels)} labelled axes: {labels}"
    assert len(set(labels)) == 5, labels
    assert page.locator(".polar .angular-axis path, .polar .angulargrid path").count() >= 1
    ctx.close()


def test_pdf_download(journey, browser, live_server):
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url, accept_downloads=True)
    page = ctx.new_page()
    page.goto(journey.coordinator_url.rstrip("/") + "/uitkomsten")
    link = "el => el.tagName === 'A' && /pdf/i.test(el.getAttribute('href') + el.textContent)"
    assert page.evaluate(f"() => [...document.querySelectorAll('a')].some({link})"), \
        "the results page has no PDF link"
    tab_to(page, link, limit=150)
    with page.expect_download(timeout=60_000) as info:
        page.keyboard.press("Enter")
    download = info.value
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF"), data[:20]
    assert len(data) > 2000
    ctx.close()


@pytest.fixture(scope="module")
def ccv_account(live_server):
    db = dbmod.connect(live_server.app.config["DATABASE"])
    try:
        if not db.execute("SELECT 1 FROM users WHERE email = ?", [CCV_EMAIL]).fetchone():
            make_user(db, CCV_EMAIL, CCV_PASSWORD)
    finally:
        db.conn.close()
    for n, code in enumerate(BENCHMARK_CODES):
        make_round(live_server.app, varied(3, seed=n), municipality=code, approved=True)
    # The dashboard reads releases of approved rounds only: cut one.
    db = dbmod.connect(live_server.app.config["DATABASE"])
    try:
        try:
            releases.cut(db, *disclosure.published_ids(live_server.app.extensions["selfscan.library"],
                                                       live_server.app.extensions["selfscan.current"]))
        except disclosure.ReleaseRefused:
            pass  # a release of these rounds was cut before in this session
    finally:
        db.conn.close()
    return CCV_EMAIL, CCV_PASSWORD


def test_ccv_sign_in_and_box_plots(journey, ccv_account, browser, live_server):
    email, password = ccv_account
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    page.goto("/")
    tab_to(page, "el => el.tagName === 'A' && el.textContent.trim() === 'Inloggen CCV'",
           limit=40, backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "el => el.type === 'email' || el.name === 'email'")
    page.keyboard.type(email)
    tab_to(page, "el => el.type === 'password'")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/inloggen" not in page.url, "sign-in failed"
    page.wait_for_function(
        "() => document.querySelectorAll('.trace.boxes, g.boxlayer .trace').length > 0",
        timeout=20_000)
    assert page.locator(".trace.boxes").count() >= 1
    ctx.close()


def test_complete_answer_without_javascript(browser, live_server):
    ctx = browser.new_context(locale="nl-NL", base_url=live_server.url, java_script_enabled=False)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto("/start")
    assert page.locator("#municipality-filter").count() == 0  # the script really did not run
    page.select_option("#municipality", "GM0599")
    page.check("#benchmark_consent")
    page.fill("#contact_email", "regie@gemeente.nl")
    with page.expect_navigation():
        page.click("button:has-text('Start de ronde')")
    invitation_url = page.locator("#invitation-link").input_value()
    page.goto(invitation_url)
    page.check("#role-police")
    with page.expect_navigation():
        page.click("button:has-text('Begin met de scan')")
    page.fill("#context-context-families", "3")
    with page.expect_navigation():
        page.click("button[value=next]")
    while step_number(page) < STEPS:
        for name in page.eval_on_selector_all(
                "fieldset.item input[type=radio]", "els => [...new Set(els.map(e => e.name))]"):
            page.check(f"input[name='{name}'][value='3']")
        with page.expect_navigation():
            page.click("button[value=next]")
    assert page.locator("text=U hebt alle stellingen beantwoord.").count() == 1
    with page.expect_navigation():
        page.click("button:has-text('Indienen')")
    assert page.url.endswith("/klaar")
    resume = re.search(r"/r/([^/]+)/klaar", page.url).group(1)
    ctx.close()
    db = dbmod.connect(live_server.app.config["DATABASE"])
    try:

        person = rounds.respondent_by_resume(db, resume)
        answers = rounds.answers_of(db, person["id"])
    finally:
        db.conn.close()
    assert person["status"] == "submitted"
    # Every item the police are asked, and no other (the pages show only those).
    q = live_server.app.extensions["selfscan.current"]
    assert set(answers) == {i.id for i in q.items.values() if i.asks("police")}
    assert set(answers.values()) == {"3"}
