"""The glossary (/woordenlijst): every term the results page uses, in Dutch and English, linked."""

from __future__ import annotations

import re
from typing import Any

from factories import current, make_round
from pages import text_of

TERMS = ("onderdeel", "stelling", "niveau", "score", "fase", "mediaan", "spreiding", "oneens",
         "stellingen-met-antwoord", "weet-ik-niet", "rolgroep", "vergelijking", "voorlopig",
         "hulpmiddel", "afgesproken-niveau")


def test_glossary_names_every_term_with_an_anchor(client: Any) -> None:
    resp = client.get("/woordenlijst")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for term in TERMS:
        assert re.search(rf'<dt id="{term}">', page), term
    text = text_of(page)
    assert "Het middelste antwoord als u alle antwoorden op volgorde zet" in text
    assert "minstens 5 gemeenten" in text and "minstens 3 deelnemers" in text


def test_glossary_lists_the_phases_and_levels_of_the_current_questionnaire(app: Any,
                                                                          client: Any) -> None:
    q = current(app)
    text = text_of(client.get("/woordenlijst").get_data(as_text=True))
    for phase in q.phases:
        assert phase.name.nl in text and phase.description.nl in text
    for level in q.levels:
        assert level.name.nl in text


def test_glossary_in_english(app: Any, client: Any) -> None:
    client.set_cookie("selfscan_lang", "en")
    page = client.get("/woordenlijst").get_data(as_text=True)
    assert '<html lang="en">' in page
    text = text_of(page)
    assert "Glossary" in text and "Median" in text
    assert current(app).phases[0].name.en in text
    assert "Mediaan" not in text and "Woordenlijst" not in text


def test_results_page_links_to_the_glossary_terms(app: Any, client: Any) -> None:
    token = make_round(app, [("police", "1"), ("police", "3"), ("police", "2")]).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    anchors = set(re.findall(r'href="/woordenlijst(#[\w-]+)?"', page))
    assert "" in anchors  # the glossary itself, from the summary and the menu
    assert {"#mediaan", "#spreiding", "#fase", "#rolgroep"} <= anchors
    glossary = client.get("/woordenlijst").get_data(as_text=True)
    for anchor in anchors - {""}:
        assert f'id="{anchor[1:]}"' in glossary, anchor
    # The plain words, not the jargon of old.
    text = text_of(page)
    for jargon in ("Middelste helft", "Dekking", "Met niveau"):
        assert jargon not in text
