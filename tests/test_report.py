"""The printable report and the PDF download: checked on the text they contain."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
from factories import current, make_round
from pages import text_of


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_contains_the_facts_scores_and_advice(app, client):
    # Level 3 elsewhere: at level 2 the children's-safety items would come first (rule 4 of the
    # advice) and fill the knowledge dimension's three places.
    token = make_round(app, [("police", {"*": "3", "knowledge-evaluations": "1"})] * 3).coordinator
    resp = client.get(f"/c/{token}/uitkomsten/rapport.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b"%PDF")
    text = _pdf_text(resp.data)
    assert "Gemeente: Amsterdam" in text
    assert f"Datum: {date.today():%d-%m-%Y}" in text
    assert "Versie 3 van de vragenlijst" in text and "mpg" not in text  # no internal id
    assert "Aantal deelnemers: 3" in text
    q = current(app)
    for dim in q.dimensions:
        assert dim.title.nl in text, dim.id
    assert "De oogst van negen keer proeftuinieren" in text
    assert "hetccv.nl" in text
    # The reason names the item by its short label, not by the whole statement.
    item = q.items["knowledge-evaluations"]
    assert f"{item.label('nl')} staat op niveau 1 (Ad hoc)" in text
    assert item.statement.nl[:40] not in text
    assert "Voorlopig" not in text


def test_pdf_of_an_open_round_says_provisional(app, client):
    token = make_round(app, [("police", "1")] * 3, closed=False).coordinator
    text = _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)
    assert "Voorlopig" in text
    assert "Coaching on the job" in text  # overall 25: coaching is offered


def test_pdf_in_english(app, client):
    token = make_round(app, [("police", "2")] * 3).coordinator
    client.set_cookie("selfscan_lang", "en")
    text = _pdf_text(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data)
    assert "Local and national connection" in text


def test_printable_report(app, client):
    # Level 3 elsewhere: at level 2 the children's-safety items would come first (rule 4 of the
    # advice) and fill the knowledge dimension's three places.
    token = make_round(app, [("police", {"*": "3", "knowledge-evaluations": "1"})] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten/rapport").get_data(as_text=True)
    text = text_of(page)
    assert "Gemeente Amsterdam" in text and "Deelnemers 3" in text
    assert "Versie 3 van de vragenlijst" in text
    # The summary comes first, as on the results page (issue 15).
    assert text.index("In het kort") < text.index("Eerste stappen") < text.index(
        "Scores per onderdeel") < text.index("Wat kunt u doen?")
    assert "De oogst van negen keer proeftuinieren" in text
    label = current(app).items["knowledge-evaluations"].label("nl")
    assert f"{label} staat op niveau 1 (Ad hoc)" in text
    assert 'id="radar-data"' in page and "data-print" in page
    assert "style=" not in page
