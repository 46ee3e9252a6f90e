"""The respondent's pages in a real Chromium (issue 15): compact items operated with the keyboard,
the word count behind the stated time, the comment limit and its messages, the review summary, the
thank-you page, without JavaScript, at 320/390 and 1280 px, in Dutch and English, and axe at zero
findings of any impact."""

from __future__ import annotations

import pytest
from axe_check import described, violations
from factories import add_respondents, make_round

from selfscan.core import reading_time as rt
from selfscan.core.anonymity import PROVISIONAL_FROM
from selfscan.core.answers import COMMENT_MAX
from selfscan.storage import db as dbmod
from selfscan.storage import rounds

pytestmark = pytest.mark.browser

EXTRA = {"nl": ("Weet ik niet", "Niet van toepassing"), "en": ("Don't know", "Not applicable")}
WIDTHS = {"phone": 390, "narrow": 320, "desktop": 1280}


@pytest.fixture(scope="module")
def site(live_server):
    """An open round to join, made through the store."""
    handle = make_round(live_server.app, (), closed=False, municipality="GM0363")
    return {"round": handle}


def _respondent(live_server, site, role: str = "police", answers=None, submit: bool = False):
    made = add_respondents(live_server.app, site["round"].round_id, [(role, answers)],
                           submitted=1 if submit else 0)
    return made[0]  # (id, resume token)


def _context(browser, live_server, lang: str, width: int, *, script: bool = True):
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800},
                              java_script_enabled=script,
                              locale="nl-NL" if lang == "nl" else "en-GB")
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    ctx.set_default_timeout(15_000)
    return ctx


def _db(live_server):
    return dbmod.connect(live_server.app.config["DATABASE"])


def _stored(live_server, respondent_id: int) -> tuple[dict, dict]:
    db = _db(live_server)
    try:
        return rounds.answers_of(db, respondent_id), rounds.comments_of(db, respondent_id)
    finally:
        db.conn.close()


def tab_to(page, js_predicate: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element satisfies `js_predicate`; fail if it never does."""
    check = f"() => {{ const el = document.activeElement; return !!el && ({js_predicate})(el); }}"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Tab")
    assert page.evaluate(check), f"not reachable with Tab: {js_predicate}"


def _no_horizontal_scroll(page) -> None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll} px wide in a {inner} px window"


def _q(live_server):
    return live_server.app.extensions["selfscan.current"]


# --- compact items, position, keyboard ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_compact_items_with_the_keyboard(browser, live_server, site, lang, width):
    q = _q(live_server)
    respondent_id, token = _respondent(live_server, site, "police")
    ctx = _context(browser, live_server, lang, WIDTHS[width])
    page = ctx.new_page()
    page.goto(f"/r/{token}/stap/2")
    dimension = q.dimensions[0]
    asked = [i for i in dimension.items if i.asks("police")]
    item = asked[0]
    # "Stelling 1 van 5" / "Statement 1 of 5", visible, for every statement on the page.
    positions = page.locator(".item__position").all_inner_texts()
    word = {"nl": "Stelling {n} van {t}", "en": "Statement {n} of {t}"}[lang]
    assert [p.strip(" \n:") for p in positions] == [word.format(n=n, t=len(asked))
                                              for n in range(1, len(asked) + 1)]
    # Each option is labelled by its level name and first sentence; the rest is folded away.
    first, rest = rt.compact_level(item.levels[1].get(lang))
    label = page.locator(f"#item-{item.id}-1").evaluate("el => el.labels[0].innerText")
    assert " ".join(label.split()) == f"{rt.level_label(q, 1, lang)} {first}"
    full = page.locator(f"#item-{item.id}-full dd").nth(1)
    assert rest and not full.is_visible()
    # Keyboard only: into the radio group, choose with the arrow keys, on to the full texts.
    tab_to(page, f"el => el.name === 'item-{item.id}'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator(f"#item-{item.id}-2").is_checked()
    tab_to(page, f"el => el.tagName === 'SUMMARY' && el.parentElement.id === 'item-{item.id}-full'")
    page.keyboard.press("Enter")
    assert full.is_visible()
    assert " ".join(item.levels[1].get(lang).split()) in " ".join(full.inner_text().split())
    # The background save stored the choice.
    page.locator("[data-save-status][data-state='saved']").wait_for()
    assert _stored(live_server, respondent_id)[0] == {item.id: "2"}
    _no_horizontal_scroll(page)
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("role", ["municipality-security", "police"])
def test_the_words_on_the_pages_are_the_words_of_the_stated_time(browser, live_server, site,
                                                                 lang, role):
    """Counted in the browser, on what is visible: the words the minutes are computed from; and
    the page states those minutes."""
    q = _q(live_server)
    _id, token = _respondent(live_server, site, role)
    ctx = _context(browser, live_server, lang, WIDTHS["phone"])
    page = ctx.new_page()
    count = """() => {
      const words = t => (t.match(/[\\p{L}\\p{N}]+(?:['’\\-][\\p{L}\\p{N}]+)*/gu) || []).length;
      let n = words(document.querySelector('h1').innerText)
            + words(document.querySelector('p.lead').innerText);
      document.querySelectorAll('fieldset.item').forEach(f => {
        const legend = f.querySelector('legend').innerText;
        const position = f.querySelector('.item__position').innerText;
        n += words(legend) - words(position);
        f.querySelectorAll('.level__body').forEach(b => { n += words(b.innerText); });
      });
      return n;
    }"""
    for number, d in enumerate(q.dimensions, start=2):
        page.goto(f"/r/{token}/stap/{number}")
        assert page.evaluate(count) == rt.page_words(q, d, role, lang, EXTRA[lang]), d.id
    page.goto(f"/r/{token}/stap/1")
    minutes = rt.minutes(q, role, lang, EXTRA[lang])
    said = {"nl": f"ongeveer {minutes} minuten", "en": f"about {minutes} minutes"}[lang]
    assert said in page.locator("main").inner_text()
    ctx.close()


# --- without JavaScript ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_without_javascript_everything_is_there(browser, live_server, site, lang):
    q = _q(live_server)
    respondent_id, token = _respondent(live_server, site, "police")
    ctx = _context(browser, live_server, lang, WIDTHS["narrow"], script=False)
    page = ctx.new_page()
    page.goto(f"/r/{token}/stap/2")
    item = next(i for i in q.dimensions[0].items if i.asks("police"))
    # The full descriptions open natively.
    full = page.locator(f"#item-{item.id}-full dd").first
    assert not full.is_visible()
    page.locator(f"#item-{item.id}-full summary").click()
    assert full.is_visible()
    # No counter without a script; the hint states the limit.
    assert not page.locator("#comment-connection-count").is_visible()
    limit = {"nl": f"Hoogstens {COMMENT_MAX} tekens", "en": f"{COMMENT_MAX} characters"}[lang]
    assert limit in page.locator("#comment-connection-hint").inner_text()
    _no_horizontal_scroll(page)
    # An over-long comment (the limit bypassed) is refused with a message naming the field;
    # the choice on the page is saved, nothing saved before is lost.
    page.locator(f"#item-{item.id}-3").check()
    page.evaluate("document.getElementById('comment-connection').removeAttribute('maxlength')")
    page.locator("#comment-connection").fill("a" * (COMMENT_MAX + 1))
    with page.expect_navigation():
        page.locator("button[value=next]").click()
    summary = page.locator("#error-summary").inner_text()
    named = {"nl": "Uw toelichting is 1001 tekens lang", "en": "Your comment is 1001 characters"}
    saved = {"nl": "Uw keuzes bij de stellingen zijn wel opgeslagen",
             "en": "Your choices on the statements have been saved"}
    assert named[lang] in summary and saved[lang] in summary
    assert page.locator("#error-summary a").first.get_attribute("href") == "#comment-connection"
    assert page.locator("#comment-connection").input_value() == "a" * (COMMENT_MAX + 1)
    assert _stored(live_server, respondent_id) == ({item.id: "3"}, {})
    ctx.close()


# --- the comment: limit, counter, messages -------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_comment_counter_speaks_only_at_thresholds(browser, live_server, site, lang):
    _id, token = _respondent(live_server, site, "police")
    ctx = _context(browser, live_server, lang, WIDTHS["desktop"])
    page = ctx.new_page()
    page.goto(f"/r/{token}/stap/2")
    counter = page.locator("#comment-connection-count")
    live = page.locator("[data-count-live='comment-connection']")
    left = {"nl": "Nog {n} van de 1000 tekens over.", "en": "{n} of 1000 characters left."}[lang]
    assert counter.is_visible() and counter.inner_text() == left.format(n=COMMENT_MAX)
    tab_to(page, "el => el.id === 'comment-connection'")
    page.keyboard.type("Overleg")
    assert counter.inner_text() == left.format(n=COMMENT_MAX - 7)
    assert live.text_content() == ""  # nothing announced per keystroke
    # Crossing 200 characters left is announced once, the next keystrokes are not.
    page.locator("#comment-connection").fill("b" * 799)
    assert live.text_content() == ""
    page.keyboard.type("c")
    assert live.text_content() == left.format(n=200)
    page.keyboard.type("dd")
    assert live.text_content() == left.format(n=200) and counter.inner_text() == left.format(n=198)
    # The field takes no more than the limit.
    page.locator("#comment-connection").fill("e" * COMMENT_MAX)
    page.keyboard.type("f")
    assert len(page.locator("#comment-connection").input_value()) == COMMENT_MAX
    assert live.text_content() == left.format(n=0)
    ctx.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_failed_background_save_says_what_is_true(browser, live_server, site, lang):
    q = _q(live_server)
    respondent_id, token = _respondent(live_server, site, "police")
    ctx = _context(browser, live_server, lang, WIDTHS["phone"])
    page = ctx.new_page()
    page.goto(f"/r/{token}/stap/2")
    first, second = [i for i in q.dimensions[0].items if i.asks("police")][:2]
    status = page.locator("[data-save-status]")
    # No connection: nothing reached the server; the choices are still on the page.
    page.route("**/autosave/**", lambda route: route.abort())
    page.locator(f"#item-{first.id}-1").check()
    page.locator("[data-save-status][data-state='error']").wait_for()
    offline = {"nl": "er was geen verbinding", "en": "there was no connection"}[lang]
    assert offline in status.inner_text()
    assert _stored(live_server, respondent_id) == ({}, {})
    page.unroute("**/autosave/**")
    # A comment over the limit: the server saves the choices and says so; the comment not.
    page.evaluate("document.getElementById('comment-connection').removeAttribute('maxlength')")
    page.locator(f"#item-{second.id}-4").check()
    page.locator("[data-save-status][data-state='saved']").wait_for()
    page.locator("#comment-connection").fill("g" * (COMMENT_MAX + 3))
    page.locator("#comment-connection").blur()
    page.locator("[data-save-status][data-state='error']").wait_for()
    message = status.inner_text()
    said = {"nl": ("Toelichting bij dit onderdeel (niet verplicht): Uw toelichting is 1003 tekens",
                   "wel opgeslagen, de toelichting nog niet"),
            "en": ("Comment on this dimension (optional): Your comment is 1003 characters long",
                   "have been saved, the comment has not")}
    assert all(part in message for part in said[lang]), message
    assert _stored(live_server, respondent_id) == ({first.id: "1", second.id: "4"}, {})
    ctx.close()


# --- the review page ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", ["narrow", "desktop"])
def test_the_review_links_each_open_statement_to_its_place(browser, live_server, site, lang,
                                                          width):
    q = _q(live_server)
    dimension = q.dimensions[0]
    asked = [i for i in dimension.items if i.asks("police")]
    _id, token = _respondent(live_server, site, "police", {asked[0].id: "3"})
    ctx = _context(browser, live_server, lang, WIDTHS[width])
    page = ctx.new_page()
    page.goto(f"/r/{token}/stap/7")
    _no_horizontal_scroll(page)
    count = page.locator(f"section[aria-labelledby='review-{dimension.id}'] "
                         ".review-dimension__count").inner_text()
    expected = {"nl": f"1 van {len(asked)} stellingen beantwoord",
                "en": f"1 of {len(asked)} statements answered"}[lang]
    assert count == expected
    # Keyboard only: the first open statement's link leads to its fieldset on its page.
    target = asked[1]
    tab_to(page, f"el => el.tagName === 'A' && el.hash === '#item-{target.id}'")
    assert page.evaluate("document.activeElement.textContent.trim()") == target.label(lang)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/stap/2#item-{target.id}")
    fieldset = page.locator(f"fieldset#item-{target.id}")
    top = fieldset.evaluate("el => el.getBoundingClientRect().top")
    assert -2 <= top < 100  # scrolled to it
    ctx.close()


# --- the thank-you page and the invitation ------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_thank_you_page_tells_when_results_appear(browser, live_server, site, lang):
    _id, token = _respondent(live_server, site, "police", "2", submit=True)
    ctx = _context(browser, live_server, lang, WIDTHS["phone"])
    page = ctx.new_page()
    page.goto(f"/r/{token}/klaar")
    text = page.locator("main").inner_text()
    expected = {"nl": f"Zodra ten minste {PROVISIONAL_FROM} deelnemers hebben ingediend",
                "en": f"As soon as at least {PROVISIONAL_FROM} participants have submitted"}[lang]
    assert expected in text
    ctx.close()


# --- axe: zero findings of any impact ----------------------------------------------------------



@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", ["narrow", "desktop"])
def test_axe_finds_nothing_on_the_respondent_pages(browser, live_server, site, axe, lang, width):
    q = _q(live_server)
    some = {i.id: "2" for i in q.dimensions[0].items[:2]}
    _id, token = _respondent(live_server, site, "police", some)
    _done_id, done = _respondent(live_server, site, "housing", "1", submit=True)
    ctx = _context(browser, live_server, lang, WIDTHS[width])
    page = ctx.new_page()
    pages = {"invitation": f"/i/{site['round'].invitation}",
             **{f"step {n}": f"/r/{token}/stap/{n}" for n in range(1, 8)},
             "saved": f"/r/{token}/opgeslagen", "done": f"/r/{done}/klaar"}
    failures = {}
    for name, path in pages.items():
        page.goto(path)
        found = described(violations(axe, page))
        if name in ("step 2", "step 7"):  # and with every fold-out open
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            found += described(violations(axe, page))
        if found:
            failures[name] = found
    ctx.close()
    assert not failures, failures
