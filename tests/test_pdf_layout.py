"""The PDF's layout, checked on its text: table headers whole, short labels, the printable page's
order, a legend in words, no heading alone at a page's bottom; with and without DejaVu fonts."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from factories import current, make_round

from selfscan.output import pdf

# The printable page's table headers and the card texts; none may break inside a word.
HEADER_WORDS = ["Onderdeel", "Uw score", "Fase", "Vergelijkbare gemeenten", "Alle gemeenten",
                "Vorige ronde", "Verschil", "Stellingen met antwoord", "Deelnemers", "Weet ik niet"]


def _pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()).strip() for page in reader.pages]


@pytest.fixture(params=["dejavu", "core"])
def fonts(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> str:
    """Both ways pdf.py draws text: DejaVu where installed, else the core fonts."""
    if request.param == "core":
        monkeypatch.setattr(pdf, "FONT", tmp_path / "missing.ttf")
    elif not pdf.FONT.exists():
        pytest.skip("DejaVu fonts are not installed")
    return str(request.param)


@pytest.fixture
def report(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch, fonts: str) -> dict[str, Any]:
    """A report with a previous round (the wider table) and low items (advice); keeps the view."""
    seen: dict[str, Any] = {}
    build = pdf.build_pdf

    def spy(view: Any, gettext: Any, *, lang: str = "nl", ngettext: Any = None) -> bytes:
        seen["view"] = view
        return build(view, gettext, lang=lang, ngettext=ngettext)

    monkeypatch.setattr(pdf, "build_pdf", spy)
    rid = make_round(app, [("police", "2")] * 3).round_id
    token = make_round(app, [("police", {"*": "3", "knowledge-evaluations": "1"})] * 3,
                       previous_round_id=rid).coordinator
    resp = client.get(f"/c/{token}/uitkomsten/rapport.pdf")
    assert resp.status_code == 200
    pages = _pages(resp.data)
    return {"pages": pages, "text": " ".join(pages), "view": seen["view"]}


def test_no_header_word_is_split(report: dict[str, Any]) -> None:
    text = report["text"]
    for header in HEADER_WORDS:
        for word in header.split():
            assert re.search(rf"\b{word}\b", text), word
            for k in range(1, len(word)):  # e.g. "Dekkin g" or "Vergelijkb are"
                assert not re.search(rf"\b{word[:k]} {word[k:]}\b", text), word
    # Every dimension's title stays whole in the table and on its card.
    for d in report["view"].dimensions:
        for word in d.title.split():
            for k in range(1, len(word)):
                # (a long web address may wrap anywhere; words may not)
                split = rf"(?<![-/\w]){re.escape(word[:k])} {re.escape(word[k:])}(?![-/\w])"
                assert not re.search(split, text), word


def test_items_are_named_by_short_labels(app: Any, report: dict[str, Any]) -> None:
    text = report["text"]
    q = current(app)
    item = q.items["knowledge-evaluations"]
    assert f"{item.label('nl')} staat op niveau 1 (Ad hoc)" in text
    for d in report["view"].dimensions:
        for i in d.strongest + d.weakest:
            assert i.label in text
            statement = q.items[i.id].statement.nl
            if statement != i.label:
                assert statement[:40] not in text, i.id


def test_sections_follow_the_printable_page(report: dict[str, Any]) -> None:
    text, view = report["text"], report["view"]
    marks = ["Gemeente: Amsterdam", "Totaalscore", "Eerste stappen:", "Scores per onderdeel",
             view.radar["data"][0]["name"], "Uw score",
             f"{view.dimensions[0].title}: ", "Sterkst:",
             f"{view.dimensions[-1].title}: ", "Wat kunt u doen?", "staat op niveau"]
    places = [text.find(m) for m in marks]
    assert all(p >= 0 for p in places), dict(zip(marks, places, strict=True))
    assert places == sorted(places), dict(zip(marks, places, strict=True))


def test_legend_names_each_series(report: dict[str, Any]) -> None:
    traces = report["view"].radar["data"]
    assert len(traces) >= 2  # this round and the previous one
    for trace in traces:
        assert trace["name"] in report["text"]
    # Each series has its own line style, so the legend does not rely on colour alone.
    styles = [pdf._DASHES[t["line"]["dash"]] for t in traces]
    assert len(set(styles)) == len(styles)


def test_no_heading_alone_at_a_page_bottom(report: dict[str, Any]) -> None:
    view = report["view"]
    headings = ["Scores per onderdeel", "Wat kunt u doen?"] + [
        b.title for b in view.advice if b.tools or b.discuss]
    for page in report["pages"][:-1]:
        body = re.sub(r"Zelfscan Amsterdam, \S+ · \d+$", "", page).strip()
        for heading in headings:
            assert not body.endswith(heading), heading
