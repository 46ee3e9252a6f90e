"""Numbers in the reader's language: a decimal comma in Dutch (68,1), a point in English (68.1),
from one helper (selfscan.output.formats) on pages, charts, the PDF and spreadsheet exports;
JSON and the CCV's machine-readable export keep plain numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pypdf
import pytest
from factories import current, make_round, make_user, municipalities_where, sign_in
from pages import element, text_of

from selfscan.core import disclosure
from selfscan.output import charts, formats, tabular
from selfscan.storage import releases

# --- the helper --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "number", "level", "delta"), [
    ("nl", "68,1", "1,5", "−2,5"),
    ("en", "68.1", "1.5", "−2.5"),
])
def test_the_helper_writes_the_decimal_mark_of_the_language(lang, number, level, delta):
    assert formats.format_number(68.123, lang=lang) == number
    assert formats.format_level(1.5, lang=lang) == level
    assert formats.format_delta(-2.5, lang=lang) == delta
    assert formats.format_delta(25, lang=lang) == ("+25,0" if lang == "nl" else "+25.0")
    # Whole levels, percentages, no change and missing values read the same in both.
    assert formats.format_level(2.0, lang=lang) == "2"
    assert formats.format_pct(0.681, lang=lang) == "68%"
    assert formats.format_delta(0, lang=lang) == "0"
    assert formats.format_number(None, lang=lang) == formats.format_delta(None, lang=lang) == "–"


def test_dutch_is_the_default_and_no_thousands_separator():
    assert formats.format_number(68.1) == "68,1"
    assert formats.format_number(1234.5, lang="nl") == "1234,5"
    assert formats.format_number(1234.5, lang="en") == "1234.5"
    assert formats.format_number(50, 2, lang="nl") == "50,00"


def test_spreadsheet_numbers_keep_their_digits_and_a_plain_minus():
    assert formats.spreadsheet_number(75.0, lang="nl") == "75,0"
    assert formats.spreadsheet_number(0.667, lang="nl") == "0,667"
    assert formats.spreadsheet_number(-2.5, lang="nl") == "-2,5"
    assert formats.spreadsheet_number(68.1, lang="en") == "68.1"  # not 68.099999999999994
    assert formats.spreadsheet_number(1e-7, lang="en") == "0.0000001"


def test_csv_never_uses_its_decimal_mark_as_separator():
    rows = [{"id": "a", "score": 68.1, "n": 3}]
    nl = tabular.csv_text(rows, ["id", "score", "n"], spreadsheet=True, lang="nl")
    en = tabular.csv_text(rows, ["id", "score", "n"], spreadsheet=True, lang="en")
    assert nl == "\ufeffid;score;n\r\na;68,1;3\r\n"
    assert en == "\ufeffid,score,n\r\na,68.1,3\r\n"
    # Machine-readable CSV (the CCV export): comma-separated with a point, in any language.
    assert tabular.csv_text(rows, ["id", "score", "n"], lang="nl") == "id,score,n\na,68.1,3\n"


def test_chart_separators_follow_the_language():
    series = [charts.Series("own", "Uw gemeente", [68.12, 50.0, None])]
    nl = charts.radar(["a", "b", "c"], series, lang="nl")
    en = charts.radar(["a", "b", "c"], series, lang="en")
    assert nl["layout"]["separators"] == ",." and en["layout"]["separators"] == ".,"
    # Hover text formatted by plotly with the layout's separators: 68,1 in Dutch.
    assert "%{r:.1f}" in nl["data"][0]["hovertemplate"]
    assert nl["data"][0]["r"][0] == 68.1  # the data stay numbers


# --- pages, PDF and downloads --------------------------------------------------------------------


def _round(app):
    # connection: levels 1 and 2 -> 37.5; the others 1, 2, 4 -> 50; overall 47.5.
    conn = {i.id: "unknown" for i in current(app).dimension("connection").items}
    return make_round(app, [("police", "1"), ("veilig-thuis", "2"),
                            ("education", {"*": "4", **conn})])


def test_results_page_dutch_comma_english_point(app, client):
    token = _round(app).coordinator
    nl = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert '<html lang="nl">' in nl
    assert "Totaalscore: 47,5 van 100" in text_of(nl)
    assert re.search(r'data-dimension="connection">37,5<', nl)
    assert "Lokale en landelijke verbinding: 37,5" in text_of(element(nl, "radar-text"))
    assert "47.5" not in text_of(nl) and "37.5" not in text_of(nl)
    radar = json.loads(re.search(r'id="radar-data">(.*?)</script>', nl, re.S).group(1))
    assert radar["layout"]["separators"] == ",."

    client.set_cookie("selfscan_lang", "en")
    en = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert '<html lang="en">' in en
    assert re.search(r'data-dimension="connection">37\.5<', en)
    assert "47.5" in text_of(en) and "47,5" not in text_of(en)
    radar = json.loads(re.search(r'id="radar-data">(.*?)</script>', en, re.S).group(1))
    assert radar["layout"]["separators"] == ".,"


def test_printable_report_in_dutch(app, client):
    token = _round(app).coordinator
    text = text_of(client.get(f"/c/{token}/uitkomsten/rapport").get_data(as_text=True))
    assert "Totaalscore: 47,5 van 100" in text and "37,5" in text


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_dutch_comma_english_point(app, client):
    token = _round(app).coordinator
    nl = _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)
    assert "Totaalscore 47,5 van 100" in nl
    assert "37,5" in nl and "50,0" in nl
    assert "47.5" not in nl and "37.5" not in nl
    client.set_cookie("selfscan_lang", "en")
    en = _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)
    assert "47.5" in en and "37.5" in en
    assert "47,5" not in en and "37,5" not in en


def test_pdf_change_since_the_previous_round_uses_the_helper(app, client):
    rid = make_round(app, [("police", "1")] * 3).round_id
    token = make_round(app, [("police", "2")] * 3, previous_round_id=rid).coordinator
    assert "+25,0" in _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)


def _csv(text: str, delimiter: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def test_dutch_csv_has_a_decimal_comma_and_semicolons(app, client):
    token = _round(app).coordinator
    text = client.get(f"/c/{token}/uitkomsten.csv").get_data(as_text=True)
    assert text.splitlines()[0].startswith("\ufefflevel;dimension;id;")
    rows = {r["id"]: r for r in _csv(text, ";") if r["level"] == "dimension"}
    assert rows["connection"]["score"] == "37,5"
    assert rows["connection"]["unknown_share"] == "0,333"  # every digit the export holds
    assert rows["manpower"]["score"] == "50,0"


def test_english_csv_has_a_decimal_point_and_commas(app, client):
    token = _round(app).coordinator
    client.set_cookie("selfscan_lang", "en")
    text = client.get(f"/c/{token}/uitkomsten.csv").get_data(as_text=True)
    assert text.splitlines()[0].startswith("\ufefflevel,dimension,id,")
    rows = {r["id"]: r for r in _csv(text, ",") if r["level"] == "dimension"}
    assert rows["connection"]["score"] == "37.5"
    assert rows["connection"]["unknown_share"] == "0.333"


def test_json_keeps_real_numbers_in_every_language(app, client):
    token = _round(app).coordinator
    nl = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    client.set_cookie("selfscan_lang", "en")
    en = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    assert nl["overall_score"] == en["overall_score"] == 47.5
    assert [d["score"] for d in nl["dimensions"]] == [d["score"] for d in en["dimensions"]]
    assert 37.5 in [d["score"] for d in nl["dimensions"]]


def test_ccv_charts_use_the_decimal_mark_of_the_page(app, client, db, q):
    make_user(db)
    for code in municipalities_where(db)[:12]:
        make_round(db, [("police", "2")] * 3, questionnaire=q, municipality=code,
                   year=date.today().year, approved=True)
    with app.app_context():
        from selfscan.web import helpers

        releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()))
    sign_in(client)

    def figure() -> dict:
        page = client.get("/ccv").text
        found = re.search(r'id="figure-distribution"[^>]*>(.*?)</script>', page, re.S)
        assert found
        return json.loads(found.group(1))

    assert figure()["layout"]["separators"] == ",."
    client.set_cookie("selfscan_lang", "en")
    assert figure()["layout"]["separators"] == ".,"
