"""The CCV pages speak the page's language: translated notices, plural-aware counts, names not ids."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from factories import make_round, make_user, municipalities_where, sign_in
from pages import csrf_of, element, text_of

from selfscan.core import disclosure
from selfscan.storage import contact, releases
from selfscan.storage.db import write

YEAR = date.today().year
DIMENSION_IDS = ("connection", "manpower", "embedding", "knowledge", "governance")
ROLE_IDS = ("municipality-security", "child-protection", "police", "public-prosecutor")


@pytest.fixture
def staff(db):
    return make_user(db)


def _approved(db, q, codes, level="2"):
    for i, code in enumerate(codes):
        make_round(db, [("police", level if level else str(i % 5))] * 3, questionnaire=q,
                   municipality=code, year=YEAR, approved=True)


def _cut(app, db):
    with app.app_context():
        from selfscan.web import helpers

        return releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()))


def _store(db, content: dict, number: int = 1) -> None:
    """A release row as an older version of the service may have stored it."""
    with write(db):
        db.execute("INSERT INTO releases (synthetic, number, created_at, content) "
                   "VALUES (0, ?, '2025-03-01T10:00:00', ?)",
                   [number, json.dumps(content, ensure_ascii=False)])


def _small_release(app, q) -> dict:
    """What a release of fewer than five municipalities publishes: nothing but the fact."""
    with app.app_context():
        from selfscan.web import helpers

        return disclosure.content([], *disclosure.published_ids(helpers.library(), q))


def _english(client):
    client.set_cookie("selfscan_lang", "en")
    return client


# --- the "fewer than 5 municipalities" notice -----------------------------------------------------


@pytest.mark.parametrize("stored", [None, "minder dan 5", "Minder dan 5 gemeenten"])
def test_a_release_below_the_threshold_reads_in_the_page_language(app, client, staff, db, q,
                                                                  stored):
    content = _small_release(app, q)
    content["municipalities"] = stored  # None today; Dutch text in an older release
    _store(db, content)
    sign_in(client)
    dutch = text_of(element(client.get("/ccv/releases").text, "releases-table"))
    assert "minder dan 5 gemeenten" in dutch
    _english(client)
    releases_page = text_of(element(client.get("/ccv/releases").text, "releases-table"))
    assert "fewer than 5 municipalities" in releases_page
    assert "inder dan" not in releases_page and "gemeente" not in releases_page
    dashboard = client.get("/ccv").text
    notice = text_of(element(dashboard, "suppressed-notice"))
    assert "fewer than 5 municipalities" in notice
    assert "inder dan" not in text_of(dashboard)


def test_a_published_band_reads_as_municipalities_in_each_language(app, client, staff, db, q):
    _approved(db, q, municipalities_where(db)[:6])
    _cut(app, db)
    sign_in(client)
    assert "5-9 gemeenten" in text_of(element(client.get("/ccv/releases").text, "releases-table"))
    _english(client)
    assert "5-9 municipalities" in text_of(
        element(client.get("/ccv/releases").text, "releases-table"))


# --- plural-aware counts -------------------------------------------------------------------------


@pytest.mark.parametrize(("changed", "dutch", "english"), [
    (1, "Sinds de vorige release is 1 gemeente veranderd.",
     "Since the previous release 1 municipality has changed."),
    (2, "Sinds de vorige release zijn 2 gemeenten veranderd.",
     "Since the previous release 2 municipalities have changed."),
])
def test_a_refused_release_counts_municipalities_in_singular_or_plural(app, client, staff, db, q,
                                                                       changed, dutch, english):
    codes = municipalities_where(db)
    _approved(db, q, codes[:6])
    _cut(app, db)
    _approved(db, q, codes[6:6 + changed])
    sign_in(client)
    for language, expected, rest in (
            ("nl", dutch, "Er moeten minstens 5 gemeenten veranderd zijn"),
            ("en", english, "At least 5 municipalities must have changed")):
        client.set_cookie("selfscan_lang", language)
        page = client.get("/ccv/releases")
        response = client.post("/ccv/releases", data={"csrf_token": csrf_of(page.text)},
                               follow_redirects=True)
        text = text_of(response.text)
        assert response.status_code == 200
        assert expected in text and rest in text, text
    assert releases.latest(db).number == 1


# --- names, never internal ids -------------------------------------------------------------------


def test_the_version_breakdown_names_the_questionnaire_version(app, client, staff, db, q):
    _approved(db, q, municipalities_where(db)[:12], level=None)
    _cut(app, db)
    sign_in(client)
    table = text_of(element(client.get("/ccv?tabel=version").text, "breakdown-table"))
    assert f"Versie {q.version} van de vragenlijst" in table
    assert "mpg" not in table and f"{q.id}:" not in table
    _english(client)
    table = text_of(element(client.get("/ccv?tabel=version").text, "breakdown-table"))
    assert f"Questionnaire version {q.version}" in table and "mpg" not in table


def test_no_dimension_role_or_questionnaire_id_on_any_ccv_page(app, client, staff, db, q):
    codes = municipalities_where(db)
    _approved(db, q, codes[:12], level=None)
    _cut(app, db)
    asked = make_round(db, [("police", "2")], questionnaire=q, municipality=codes[20],
                       year=YEAR, coaching=True, email="regie@gemeente.nl")
    contact.confirm(db, contact.new_confirmation(db, asked.round_id))
    sign_in(client)
    paths = ["/ccv", "/ccv/releases", "/ccv/coaching", "/ccv/goedkeuren", "/ccv/export",
             *(f"/ccv?tabel={b}" for b in disclosure.BREAKDOWNS)]
    for path in paths:
        text = text_of(client.get(path).text)
        words = set(re.findall(r"[\w:-]+", text))
        shown = words & {*DIMENSION_IDS, *ROLE_IDS, "mpg", f"mpg:{q.version}"}
        assert not shown, (path, shown)
        assert not any(item_id in words for item_id in q.items), path


def test_an_old_release_with_ids_no_longer_loaded_shows_words_not_ids(app, client, staff, db, q):
    _approved(db, q, municipalities_where(db)[:12], level=None)
    made = _cut(app, db)
    content = dict(made.content)
    content["dimension_ids"] = [*content["dimension_ids"], "retired-dimension"]
    content["bottlenecks"] = {"lowest": [{"item_id": "retired-item", "score": 12,
                                          "municipalities": "10-19"}], "most_unknown": []}
    content["plans"] = {**content["plans"], "tools": [{"tool_id": "retired-tool",
                                                       "municipalities": "5-9"}]}
    _store(db, content, number=2)
    sign_in(client)
    page = text_of(client.get("/ccv?release=2").text)
    assert "retired" not in page
    assert "een onderdeel van een oudere vragenlijst" in page
    assert "een stelling van een oudere vragenlijst" in page
    assert "een hulpmiddel dat niet meer in de catalogus staat" in page
    _english(client)
    page = text_of(client.get("/ccv?release=2").text)
    assert "a statement of an older questionnaire" in page and "retired" not in page


# --- the charts ----------------------------------------------------------------------------------


def _figure(page: str, name: str) -> dict:
    match = re.search(rf'<script type="application/json" id="figure-{name}"[^>]*>(.*?)</script>',
                      page, re.S)
    assert match, name
    return json.loads(match.group(1))


def test_the_box_plot_lies_on_its_side_with_wrapped_translated_labels(app, client, staff, db, q):
    _approved(db, q, municipalities_where(db)[:12], level=None)
    _cut(app, db)
    sign_in(client)
    for language, title in (("nl", "Lokale en landelijke"), ("en", "Local and national")):
        client.set_cookie("selfscan_lang", language)
        figure = _figure(client.get("/ccv").text, "distribution")
        box = figure["data"][0]
        assert box["orientation"] == "h" and len(box["y"]) == len(q.dimensions)
        assert box["y"][0].replace("<br>", " ").startswith(title) and "<br>" in box["y"][0]
        assert all(len(line) <= 18 for label in box["y"] for line in label.split("<br>"))
        assert figure["layout"]["yaxis"]["automargin"] is True
        assert figure["layout"]["separators"] == (",." if language == "nl" else ".,")
        # Colours come from the design tokens in the browser (ccv.js), not from the server.
        assert "color" not in json.dumps(figure)


def test_trend_lines_differ_by_dash_and_marker_not_only_by_colour(app, client, staff, db, q):
    codes = municipalities_where(db)
    _approved(db, q, codes[:6])
    _cut(app, db)
    _approved(db, q, codes[6:12], level="3")
    _cut(app, db)
    sign_in(client)
    figure = _figure(client.get("/ccv").text, "trends")
    styles = {(t["line"]["dash"], t["marker"]["symbol"]) for t in figure["data"]}
    assert len(styles) == len(figure["data"]) == len(q.dimensions)


def test_ccv_pages_load_their_stylesheet(app, client, staff):
    sign_in(client)
    for path in ("/ccv", "/ccv/releases", "/ccv/coaching", "/ccv/goedkeuren", "/ccv/export",
                 "/ccv/inloggen"):
        page = client.get(path).text
        assert "css/ccv.css" in page and "ccv-page" in page, path
    client.get("/")  # the stylesheet is served
    assert client.get("/static/css/ccv.css").status_code == 200


@pytest.mark.parametrize(("minutes", "dutch", "english"), [
    (1, "Na 1 minuut zonder activiteit", "After 1 minute of inactivity"),
    (30, "Na 30 minuten zonder activiteit", "After 30 minutes of inactivity"),
])
def test_the_sign_in_page_counts_minutes_in_singular_or_plural(new_app, minutes, dutch,
                                                               english):
    client = new_app("minutes", SESSION_MINUTES=minutes).test_client()
    assert dutch in text_of(client.get("/ccv/inloggen").text)
    _english(client)
    assert english in text_of(client.get("/ccv/inloggen").text)


def test_threshold_sentences_are_plural_aware(client, staff, monkeypatch):
    """With a threshold of one the sentences take the singular, in both languages."""
    monkeypatch.setattr("selfscan.web.ccv.THRESHOLD", 1)
    sign_in(client)
    notice = text_of(element(client.get("/ccv").text, "no-release"))
    assert "zodra minstens 1 gemeente een goedgekeurde, afgesloten ronde heeft" in notice
    _english(client)
    notice = text_of(element(client.get("/ccv").text, "no-release"))
    assert "as soon as at least 1 municipality has an approved, closed round" in notice


def test_the_queue_and_the_coaching_list_count_in_singular_or_plural(client, staff, db, q):
    codes = municipalities_where(db)
    sign_in(client)
    expected = {1: ("1 ronde wacht op goedkeuring.", "1 round is waiting for approval.",
                    "1 openstaand coachingsverzoek.", "1 open coaching request."),
                2: ("2 rondes wachten op goedkeuring.", "2 rounds are waiting for approval.",
                    "2 openstaande coachingsverzoeken.", "2 open coaching requests.")}
    for n in (1, 2):
        asked = make_round(db, [("police", "2")], questionnaire=q, municipality=codes[n],
                           year=YEAR, coaching=True, email=f"regie{n}@gemeente.nl")
        contact.confirm(db, contact.new_confirmation(db, asked.round_id))
        queue_nl, queue_en, coaching_nl, coaching_en = expected[n]
        client.set_cookie("selfscan_lang", "nl")
        assert queue_nl == text_of(element(client.get("/ccv/goedkeuren").text,
                                           "waiting-count")).strip()
        assert coaching_nl == text_of(element(client.get("/ccv/coaching").text,
                                              "open-count")).strip()
        client.set_cookie("selfscan_lang", "en")
        assert queue_en == text_of(element(client.get("/ccv/goedkeuren").text,
                                           "waiting-count")).strip()
        assert coaching_en == text_of(element(client.get("/ccv/coaching").text,
                                              "open-count")).strip()


def test_bottlenecks_name_statements_by_their_short_label(app, client, staff, db, q):
    _approved(db, q, municipalities_where(db)[:12], level=None)
    made = _cut(app, db)
    sign_in(client)
    table = text_of(element(client.get("/ccv").text, "lowest-table"))
    entries = made.content["bottlenecks"]["lowest"]
    assert entries
    for entry in entries:
        item = q.items[entry["item_id"]]
        if item.short is not None:
            assert item.short.nl in table
            assert item.statement.nl not in table
