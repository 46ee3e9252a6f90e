"""The CCV pages in a real Chromium: axe at zero findings, readable tables and charts, both languages.

Every CCV page type (sign-in, dashboard with and without a release and with each breakdown,
releases, approvals, coaching, exports) in Dutch and English at 1280 px and 390 px. Screenshots go
to /tmp/ccv-shots for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_check import readable, violations
from factories import make_round, make_user, municipalities_where, varied

from selfscan.core import disclosure
from selfscan.storage import contact, releases
from selfscan.storage import db as dbmod

pytestmark = pytest.mark.browser

CCV_EMAIL = "benchmark-browser@ccv.example"
CCV_PASSWORD = "grafieken-en-tabellen-123"
WIDTHS = {"desktop": 1280, "phone": 390}
SHOTS = Path("/tmp/ccv-shots")



@pytest.fixture(scope="module")
def ccv_site(live_server):
    """Two synthetic releases (so the trend chart draws), a coaching request and a round waiting
    for approval. Synthetic data keeps the real releases of other browser tests untouched."""
    app = live_server.app
    db = dbmod.connect(app.config["DATABASE"])
    try:
        if not db.execute("SELECT 1 FROM users WHERE email = ?", [CCV_EMAIL]).fetchone():
            make_user(db, CCV_EMAIL, CCV_PASSWORD)
        q = app.extensions["selfscan.current"]
        library = app.extensions["selfscan.library"]
        # Its own two releases, also when another module (test_accessibility) cut a synthetic
        # release of its own before: "any synthetic release" would leave out the trend chart.
        limburg = municipalities_where(db, province="Limburg")[:6]
        mine = db.execute("SELECT COUNT(*) FROM rounds WHERE synthetic = 1 AND municipality_code "
                          f"IN ({', '.join('?' for _ in limburg)})", limburg).fetchone()[0]
        if not mine:
            codes = municipalities_where(db, province="Zeeland")[:12] \
                + municipalities_where(db, province="Limburg")[:6]
            for step, batch in enumerate((codes[:12], codes[12:])):
                for n, code in enumerate(batch):
                    made = make_round(db, varied(3, seed=n + step), questionnaire=q,
                                      municipality=code, synthetic=True)
                    # Synthetic rounds count without the approval queue, as demo-data makes them.
                    with dbmod.write(db):
                        db.execute("UPDATE rounds SET approval = 'approved' WHERE id = ?",
                                   [made.round_id])
                releases.cut(db, *disclosure.published_ids(library, q), synthetic=True)
        asker = municipalities_where(db, province="Drenthe")[0]
        if not db.execute("SELECT 1 FROM rounds WHERE contact_email = 'coach@drenthe.example'"
                          ).fetchone():
            handle = make_round(db, varied(3), questionnaire=q, municipality=asker,
                                coaching=True, email="coach@drenthe.example")
            contact.confirm(db, contact.new_confirmation(db, handle.round_id))
    finally:
        db.conn.close()
    return {"synthetic": "?synthetisch=1"}


def ccv_pages() -> dict[str, str]:
    """Every page type under the CCV blueprint that a signed-in person can open."""
    pages = {
        "dashboard": "/ccv?synthetisch=1",
        "dashboard (real, no release)": "/ccv?synthetisch=0",
        "releases": "/ccv/releases",
        "approvals": "/ccv/goedkeuren",
        "coaching": "/ccv/coaching",
        "exports": "/ccv/export?synthetisch=1",
    }
    for breakdown in disclosure.BREAKDOWNS:
        pages[f"dashboard ({breakdown})"] = f"/ccv?synthetisch=1&tabel={breakdown}"
    return pages


def new_page(browser, live_server, lang: str, width: int):
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    ctx.add_cookies([{"name": "selfscan_lang", "value": lang, "url": live_server.url}])
    ctx.set_default_timeout(20_000)
    return ctx, ctx.new_page()


def sign_in(page) -> None:
    page.goto("/ccv/inloggen")
    page.fill("#email", CCV_EMAIL)
    page.fill("#password", CCV_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ccv/inloggen" not in page.url, "sign-in failed"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    page.screenshot(path=str(SHOTS / f"{safe}.png"), full_page=True)


# --- axe: zero findings of any impact ------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_axe_finds_nothing_on_any_ccv_page(browser, live_server, ccv_site, axe, lang, width):
    ctx, page = new_page(browser, live_server, lang, width)
    failures: list[str] = []
    # The sign-in page: empty, after a failed attempt, and after signing out.
    page.goto("/ccv/inloggen")
    if found := violations(axe, page):
        failures.append(f"login:\n{readable(found)}")
    page.fill("#email", CCV_EMAIL)
    page.fill("#password", "niet-het-wachtwoord")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#login-error").count() == 1
    if found := violations(axe, page):
        failures.append(f"login (error):\n{readable(found)}")
    sign_in(page)
    for name, path in ccv_pages().items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (name, path)
        assert page.evaluate("document.documentElement.lang") == lang
        if found := violations(axe, page):
            failures.append(f"{name} ({path}):\n{readable(found)}")
        shot(page, f"{name}-{lang}-{width}")
    with page.expect_navigation():
        page.locator(".ccv-nav button[type=submit]").click()
    if found := violations(axe, page):
        failures.append(f"login (signed out):\n{readable(found)}")
    ctx.close()
    assert not failures, f"axe ({lang}, {width} px):\n" + "\n".join(failures)


# --- layout: tables and charts -------------------------------------------------------------------

OVERFLOW_JS = """() => ({
  page: document.documentElement.scrollWidth - window.innerWidth,
  tables: [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => ({id: (w.querySelector('table') || {}).id, over: w.scrollWidth - w.clientWidth,
                tabindex: w.getAttribute('tabindex'), role: w.getAttribute('role'),
                label: w.getAttribute('aria-label') || w.getAttribute('aria-labelledby')})),
  captions: [...document.querySelectorAll('.table-wrap caption')]
    .filter(c => c.getBoundingClientRect().right > window.innerWidth + 1)
    .map(c => c.textContent.trim()),
})"""


FIT_ON_A_PHONE = {"dimensions-table", "lowest-table", "unknown-table", "plans-dimensions-table",
                  "plans-tools-table", "releases-table", "synthetic-releases-table"}
"""Tables of at most three columns: no scrolling even at 390 px."""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_tables_fit_at_1280_and_scroll_in_a_labelled_region_on_a_phone(
        browser, live_server, ccv_site, lang):
    failures = []
    for label, width in WIDTHS.items():
        ctx, page = new_page(browser, live_server, lang, width)
        sign_in(page)
        for name, path in ccv_pages().items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found = page.evaluate(OVERFLOW_JS)
            for caption in found["captions"]:
                failures.append(f"{label} {name}: caption runs off the screen: {caption}")
            if found["page"] > 0:
                failures.append(f"{label} {name}: the page scrolls sideways by {found['page']} px")
            for table in found["tables"]:
                if table["id"] in FIT_ON_A_PHONE:
                    failures.append(f"{label} {name}: table {table['id']} scrolls by "
                                    f"{table['over']} px")
                elif width >= 1280:
                    failures.append(f"{label} {name}: table {table['id']} scrolls by "
                                    f"{table['over']} px")
                elif not (table["tabindex"] == "0" and table["role"] == "region"
                          and table["label"]):
                    failures.append(f"{label} {name}: table {table['id']} scrolls but its "
                                    f"container is not a focusable, labelled region")
        ctx.close()
    assert not failures, "\n".join(failures)


LABELS_JS = """(id) => {
  const chart = document.getElementById(id);
  const box = chart.getBoundingClientRect();
  const labels = [...chart.querySelectorAll('.ytick text, .xtick text')]
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, left: r.left, right: r.right, top: r.top,
                        bottom: r.bottom}; });
  return {box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom}, labels};
}"""


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 \
        and a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_box_plot_labels_neither_overlap_nor_get_clipped(browser, live_server, ccv_site, lang,
                                                         width):
    ctx, page = new_page(browser, live_server, lang, width)
    sign_in(page)
    page.goto("/ccv?synthetisch=1")
    page.wait_for_selector("#chart-distribution .main-svg")
    page.wait_for_load_state("networkidle")
    found = page.evaluate(LABELS_JS, "chart-distribution")
    category = [t for t in found["labels"] if not t["text"].strip().isdigit()]
    # Every dimension is a category label, in the page's language.
    names = page.eval_on_selector_all("#dimensions-table tbody th[scope=row]",
                                      "ths => ths.map(t => t.textContent.trim())")[:-1]
    joined = " ".join(t["text"] for t in category)
    assert names and all(word in joined for name in names for word in name.split()[:1]), joined
    for i, a in enumerate(found["labels"]):
        for b in found["labels"][i + 1:]:
            assert not overlaps(a, b), f"labels overlap at {width} px: {a} / {b}"
        assert found["box"]["left"] - 1 <= a["left"] and a["right"] <= found["box"]["right"] + 1, \
            f"label clipped at {width} px: {a} outside {found['box']}"
    page.locator("#chart-distribution").screenshot(path=str(SHOTS / f"box-{lang}-{width}.png"))
    ctx.close()


STYLE_JS = """() => {
  const body = getComputedStyle(document.body);
  const probe = document.createElement('span');
  document.body.appendChild(probe);
  const resolve = (name) => { probe.style.color = '';
    probe.style.color = body.getPropertyValue(name).trim(); return getComputedStyle(probe).color; };
  const text = document.querySelector('#chart-distribution .ytick text');
  const box = document.querySelector('#chart-distribution .boxlayer path.box');
  const out = {bodyFont: body.fontFamily, chartFont: text && getComputedStyle(text).fontFamily,
    textColor: text && getComputedStyle(text).fill, accent: resolve('--selfscan-color-accent'),
    ink: resolve('--selfscan-color-text'), boxStroke: box && getComputedStyle(box).stroke,
    trendColors: [...document.querySelectorAll('#chart-trends .scatterlayer .trace path.js-line')]
      .map(p => getComputedStyle(p).stroke),
    series: [1, 2, 3, 4, 5].map(n => resolve('--ccv-chart-series-' + n))};
  probe.remove();
  return out;
}"""


def test_charts_use_the_site_font_and_the_design_token_colours(browser, live_server, ccv_site):
    ctx, page = new_page(browser, live_server, "nl", 1280)
    sign_in(page)
    page.goto("/ccv?synthetisch=1")
    page.wait_for_selector("#chart-trends .main-svg")
    page.wait_for_load_state("networkidle")
    style = page.evaluate(STYLE_JS)
    ctx.close()
    first = lambda family: family.split(",")[0].strip().strip('"')  # noqa: E731
    assert first(style["chartFont"]) == first(style["bodyFont"]), style
    assert style["textColor"] == style["ink"], style
    assert style["boxStroke"] == style["accent"], style
    assert style["trendColors"] and set(style["trendColors"]) <= set(style["series"]), style
    assert len(set(style["trendColors"])) == len(style["trendColors"]), style


def test_the_dutch_chart_uses_a_decimal_comma_and_the_english_one_a_point(live_server, ccv_site):
    """plotly reads the separators from the figure; each language gets its own."""
    client = live_server.app.test_client()
    from factories import sign_in as sign_in_form

    assert sign_in_form(client, CCV_EMAIL, CCV_PASSWORD).status_code == 303
    dutch = client.get("/ccv?synthetisch=1").text
    client.set_cookie("selfscan_lang", "en")
    english = client.get("/ccv?synthetisch=1").text
    assert '"separators": ",.' in dutch and '"separators": ".,' in english


# --- keyboard ------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_choosing_a_breakdown_with_the_keyboard(browser, live_server, ccv_site, lang, width):
    ctx, page = new_page(browser, live_server, lang, width)
    sign_in(page)
    page.goto("/ccv?synthetisch=1")
    page.focus("#tabel")
    options = page.eval_on_selector_all("#tabel option", "os => os.map(o => o.value)")
    for _ in range(options.index("peer_group")):
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#tabel", "s => s.value") == "peer_group"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'submit'"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "tabel=peer_group" in page.url
    table = page.locator("#breakdown-table")
    assert table.count() == 1
    # Size classes by their names, never their ids.
    groups = table.locator("tbody th").all_inner_texts()
    assert groups and not any(g in ("tot-20k", "20k-50k", "50k-100k", "100k-plus") for g in groups)
    # The scroll regions are reachable with Tab (a keyboard user can scroll them).
    wrap = page.locator(".table-wrap:has(#breakdown-table)")
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
    is_wrap = "() => !!document.activeElement" \
        " && document.activeElement.classList.contains('table-wrap')" \
        " && !!document.activeElement.querySelector('#breakdown-table')"
    for _ in range(60):
        if page.evaluate(is_wrap):
            break
        page.keyboard.press("Tab")
    assert page.evaluate(is_wrap), "the breakdown table's region is not reachable with Tab"
    if width < 1280:  # on a phone the region scrolls sideways with the arrow keys
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        # Scrolling may be animated: wait for it to move (fails after the default timeout).
        page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle())
    else:
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1")
    ctx.close()


def tab_until(page, predicate: str, limit: int = 80) -> None:
    check = f"() => !!document.activeElement && ({predicate})(document.activeElement)"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Tab")
    assert page.evaluate(check), f"not reachable with Tab: {predicate}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_signing_in_and_deciding_on_a_round_with_the_keyboard_only(browser, live_server,
                                                                    ccv_site, lang):
    """At phone width, in each language: sign in, approve the round (waiting, or rejected by the
    previous run), then reject it again, all with Tab and Enter; the messages are in the page's
    language."""
    ctx, page = new_page(browser, live_server, lang, 390)
    page.goto("/ccv/inloggen?next=/ccv/goedkeuren")
    tab_until(page, "el => el.id === 'email'")
    page.keyboard.type(CCV_EMAIL)
    tab_until(page, "el => el.id === 'password'")
    page.keyboard.type(CCV_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ccv/goedkeuren")
    approve, reject = ("Goedkeuren", "Afwijzen") if lang == "nl" else ("Approve", "Reject")
    tab_until(page, f"el => el.tagName === 'BUTTON' && el.textContent.trim() === {approve!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    notice = page.locator(".notice--success").inner_text()
    assert ("goedgekeurd" in notice) == (lang == "nl") and ("approved" in notice) == (lang == "en")
    # Take it back (reject it), so that this real round never counts in another test's release.
    tab_until(page, f"el => el.tagName === 'BUTTON' && el.textContent.trim() === {reject!r}"
                    " && !!el.closest('#decided-table')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".notice--success").count() == 1
    ctx.close()
