"""A whole working session in a real Chromium, in Dutch, by keyboard only; then the PDF and the
Excel workbook carry what the group agreed."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest
from factories import make_round, varied

from selfscan.storage import db as dbmod
from selfscan.storage import rounds, sessions

pytestmark = pytest.mark.browser


def tab_to(page, js_predicate: str, *, limit: int = 150) -> None:
    """Press Tab until the focused element satisfies `js_predicate`; fail when unreachable."""
    check = f"() => {{ const el = document.activeElement; return !!el && ({js_predicate})(el); }}"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"not reachable with Tab: {js_predicate}; focus on {focused[:200]}")


def button(text: str) -> str:
    return ("el => (el.tagName === 'BUTTON' || el.tagName === 'A') && "
            f"el.textContent.trim().startsWith({text!r})")


def press(page, text: str) -> None:
    tab_to(page, button(text))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_working_session_by_keyboard(browser, live_server):
    app = live_server.app
    made = make_round(app, varied(6), municipality="GM0344")
    q = app.extensions["selfscan.current"]
    db = dbmod.connect(app.config["DATABASE"])
    try:
        scores_before = rounds.round_by_coordinator(db, made.coordinator)["overall_score"]
    finally:
        db.conn.close()
    ctx = browser.new_context(base_url=live_server.url, locale="nl-NL")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto(f"/c/{made.coordinator}")
    tab_to(page, "el => el.tagName === 'A' && el.getAttribute('href').endsWith('/werksessie')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/werksessie")
    press(page, "Begin bij de eerste stelling")
    first_item = page.url.rsplit("/", 1)[1]
    assert first_item in q.items

    # Agreed level 3 by arrow keys, a short note, evidence; save and go to the next statement.
    tab_to(page, "el => el.name === 'agreed_level'")
    page.keyboard.press("Space")
    while page.evaluate("() => document.activeElement.value") != "3":
        page.keyboard.press("ArrowDown")
    tab_to(page, "el => el.id === 'note'")
    page.keyboard.type("Alle partners zitten aan tafel, het convenant loopt tot 2027.")
    tab_to(page, "el => el.id === 'evidence_title'")
    page.keyboard.type("Convenant casusoverleg 2025")
    press(page, "Opslaan en volgende stelling")
    assert not page.url.endswith(first_item)

    # Back to the overview: a target for the first dimension and one action.
    page.goto(f"/c/{made.coordinator}/werksessie")
    dimension = q.dimensions[0]
    tab_to(page, f"el => el.id === 'target-{dimension.id}'")
    page.keyboard.press("End")  # level 4, the last option
    tab_to(page, "el => el.tagName === 'BUTTON' && el.closest('form') && "
                 f"el.closest('form').querySelector('#target-{dimension.id}')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "el => el.id === 'dimension_id'")
    page.keyboard.press("ArrowDown")  # the first dimension
    assert page.locator("#dimension_id").input_value() == dimension.id
    tab_to(page, "el => el.id === 'what'")
    page.keyboard.type("Casusoverleg vastleggen in de werkwijze van alle partners")
    tab_to(page, "el => el.id === 'who'")
    page.keyboard.type("Gemeente, team veiligheid")
    press(page, "Actie toevoegen")
    assert page.locator(".field-error").count() == 0, page.locator(".field-error").all_inner_texts()
    ctx.close()

    db = dbmod.connect(app.config["DATABASE"])
    try:
        agreed = sessions.agreements(db, made.round_id)[first_item]
        targets = sessions.targets(db, made.round_id)
        actions = sessions.actions(db, made.round_id)
    finally:
        db.conn.close()
    assert (agreed.agreed_level, agreed.evidence_title) == (3, "Convenant casusoverleg 2025")
    assert targets[dimension.id].level == 4
    assert [(a.what, a.who, a.status) for a in actions] == [
        ("Casusoverleg vastleggen in de werkwijze van alle partners",
         "Gemeente, team veiligheid", "open")]

    # The PDF and the workbook carry the agreement, the target and the plan.
    client = app.test_client()
    pdf = client.get(f"/c/{made.coordinator}/uitkomsten/rapport.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Casusoverleg vastleggen" in " ".join(text.split())
    xlsx = client.get(f"/c/{made.coordinator}/uitkomsten.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    plan = [[c for c in row if c is not None] for row in book["Actieplan"].iter_rows(values_only=True)]
    assert any("Casusoverleg vastleggen in de werkwijze van alle partners" in row for row in plan)
    agreements = [row for row in book["Afspraken"].iter_rows(values_only=True)]
    assert any(3 in row and "Convenant casusoverleg 2025" in row for row in agreements)
    # The respondents' scores are untouched by what the group agreed.
    db = dbmod.connect(app.config["DATABASE"])
    try:
        assert rounds.round_by_coordinator(db, made.coordinator)["overall_score"] == scores_before
    finally:
        db.conn.close()
