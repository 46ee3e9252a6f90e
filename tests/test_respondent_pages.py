"""The respondent's pages through the test client: compact items with their place on the page,
the time stated from the word count, the review summary, the thank-you page and the comment limit."""

from __future__ import annotations

import re
from html import unescape

import pytest
from journey import answer_page, invitation_path, items_on, join, start_round
from pages import csrf_of, text_of, version_of

from selfscan.core import reading_time as rt
from selfscan.core.answers import COMMENT_MAX
from selfscan.core.roles import ROLE_GROUPS
from selfscan.storage import rounds
from selfscan.web import respondent

EXTRA = {"nl": ("Weet ik niet", "Niet van toepassing"), "en": ("Don't know", "Not applicable")}


def _joined(client, role: str = "police") -> str:
    return join(client, invitation_path(client, start_round(client)), role)


def _page(client, token: str, number: int) -> str:
    return client.get(f"/r/{token}/stap/{number}").get_data(as_text=True)


def _shown_words(page: str) -> int:
    """The words of a dimension page that the reading time counts, read from the HTML: title,
    description, statements, level names and lines (not what is folded in <details>)."""
    parts = [re.search(r"<h1>(.*?)</h1>", page, re.S).group(1),
             re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1)]
    items = "".join(re.findall(r'<fieldset class="item".*?</fieldset>', page, re.S))
    parts += re.findall(r'<span class="visually-hidden">:</span></span> (.*?)</legend>', items, re.S)
    parts += re.findall(r'<span class="level__(?:name|text)">(.*?)</span>', items, re.S)
    return sum(rt.words(unescape(p)) for p in parts)


@pytest.mark.parametrize(("lang", "position"), [("nl", "Stelling {n} van {total}"),
                                                 ("en", "Statement {n} of {total}")])
def test_every_statement_shows_its_place_on_its_page(client, q, lang, position):
    token = _joined(client, "veilig-thuis")
    if lang == "en":
        client.get("/taal/en")
    for number, d in enumerate(q.dimensions, start=2):
        page = _page(client, token, number)
        asked = [i for i in d.items if i.asks("veilig-thuis")]
        found = re.findall(r'<span class="item__position">(.*?)<span', page)
        assert found == [position.format(n=n, total=len(asked)) for n in range(1, len(asked) + 1)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_levels_are_compact_and_the_full_text_is_on_the_page(client, q, lang):
    token = _joined(client, "police")
    if lang == "en":
        client.get("/taal/en")
    page = _page(client, token, 2)
    for item in (i for i in q.dimensions[0].items if i.asks("police")):
        block = re.search(rf'<fieldset class="item" id="item-{item.id}".*?</fieldset>', page,
                          re.S).group(0)
        labels = re.findall(r'<label class="level".*?</label>', block, re.S)
        for level, text in enumerate(item.levels):
            first, rest = rt.compact_level(text.get(lang))
            # The radio's label: the level's name and first sentence, never the rest.
            assert f'value="{level}"' in labels[level]
            assert unescape(re.sub(r"<[^>]+>", "", labels[level])).split() == (
                rt.level_label(q, level, lang).split() + first.split())
            # The full description stays on the page, in a <details> that needs no script.
            if any(rt.compact_level(t.get(lang))[1] for t in item.levels):
                folded = re.search(r'<details class="why levels-full".*?</details>', block,
                                   re.S).group(0)
                assert " ".join(text.get(lang).split()) in unescape(folded)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("role", ["municipality-security", "police", "housing"])
def test_the_word_count_of_the_pages_gives_the_time_stated(client, q, role, lang):
    """The words on the rendered pages are the words the minutes are computed from, and the page
    states those minutes."""
    token = _joined(client, role)
    if lang == "en":
        client.get("/taal/en")
    for number, d in enumerate(q.dimensions, start=2):
        page = _page(client, token, number)
        assert _shown_words(page) == rt.page_words(q, d, role, lang, EXTRA[lang]), d.id
    minutes = rt.minutes(q, role, lang, EXTRA[lang])
    context = text_of(_page(client, token, 1))
    said = {"nl": f"Voor uw groep duurt het invullen ongeveer {minutes} minuten.",
            "en": f"For your group it takes about {minutes} minutes."}[lang]
    assert said in context


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_invitation_states_the_computed_time_and_not_the_files_own(client, q, lang):
    invitation = invitation_path(client, start_round(client))
    if lang == "en":
        client.get("/taal/en")
    page = text_of(client.get(invitation).get_data(as_text=True))
    found = [rt.minutes(q, r.id, lang, EXTRA[lang]) for r in ROLE_GROUPS]
    low, high = min(found), max(found)
    assert low < high
    said = {"nl": f"Het invullen duurt ongeveer {low} tot {high} minuten, afhankelijk van uw groep",
            "en": f"It takes about {low} to {high} minutes, depending on your group"}[lang]
    assert said in page
    # The intro of the published file says "20 minuten" itself; the page leaves that out, so
    # there is one time on the page, and it is the computed one.
    assert len(re.findall(r"\d+ (?:minuten|minutes)", page)) == 1
    assert "duurt ongeveer 20 minuten" not in page and "about 20 minutes" not in page
    assert q.intro.get(lang).split(".")[0] in page  # the rest of the intro stays


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_home_page_states_the_same_computed_time(client, q, lang):
    if lang == "en":
        client.get("/taal/en")
    page = text_of(client.get("/").get_data(as_text=True))
    found = [rt.minutes(q, r.id, lang, EXTRA[lang]) for r in ROLE_GROUPS]
    said = {"nl": f"Het invullen duurt ongeveer {min(found)} tot {max(found)} minuten",
            "en": f"It takes about {min(found)} to {max(found)} minutes"}[lang]
    assert said in page
    assert max(found) <= rt.TARGET_MINUTES


def test_the_time_sentence_is_taken_only_from_the_end_of_an_intro():
    assert respondent.intro_without_time("De scan heeft vijf onderdelen. Het invullen duurt "
                                         "ongeveer 20 minuten.") == "De scan heeft vijf onderdelen."
    assert respondent.intro_without_time("Scan. It takes about 25 minutes.") == "Scan."
    assert respondent.intro_without_time("Geen tijd genoemd.") == "Geen tijd genoemd."


def test_the_review_summarises_each_dimension_and_links_what_is_open(client, q):
    token = _joined(client, "police")
    asked = {d.id: [i.id for i in d.items if i.asks("police")] for d in q.dimensions}
    first_dimension = q.dimensions[0]
    answered = asked[first_dimension.id][:-1]
    assert answer_page(client, token, 2, {f"item-{i}": "3" for i in answered}).status_code == 303
    review = _page(client, token, 7)
    for number, d in enumerate(q.dimensions, start=2):
        section = re.search(rf'<section class="review-dimension" aria-labelledby="review-{d.id}">'
                            r".*?</section>", review, re.S).group(0)
        done = len(answered) if d.id == first_dimension.id else 0
        total = len(asked[d.id])
        assert f"{done} van {total} stelling" in text_of(section)
        # Each open statement links to its fieldset on its page, and that anchor exists there.
        links = re.findall(rf'href="/r/{token}/stap/{number}#item-([a-z0-9-]+)"', section)
        assert links == [i for i in asked[d.id] if i not in answered]
        step = _page(client, token, number)
        for item_id in links:
            assert f'<fieldset class="item" id="item-{item_id}"' in step
    total_open = sum(map(len, asked.values())) - len(answered)
    assert f"Er zijn nog {total_open} stellingen zonder antwoord" in text_of(review)


@pytest.mark.parametrize("needed", [3, 4])
def test_the_thank_you_page_names_the_provisional_rule(app, client, q, monkeypatch, needed):
    monkeypatch.setattr(respondent, "PROVISIONAL_FROM", needed)
    token = _joined(client)
    html = client.get(f"/r/{token}/stap/7").get_data(as_text=True)
    client.post(f"/r/{token}/indienen", data={"csrf_token": csrf_of(html)})
    page = text_of(client.get(f"/r/{token}/klaar").get_data(as_text=True))
    assert f"Zodra ten minste {needed} deelnemers hebben ingediend" in page
    assert "voorlopige uitkomsten" in page
    assert "als de ronde gesloten is" not in page


def test_the_comment_field_carries_its_limit(client):
    token = _joined(client)
    page = _page(client, token, 2)
    field = re.search(r'<textarea id="comment-connection".*?>', page, re.S).group(0)
    assert f'maxlength="{COMMENT_MAX}"' in field
    assert "comment-connection-count" in field  # the counter describes the field
    # Without a script the hint states the limit.
    assert f"Hoogstens {COMMENT_MAX} tekens" in text_of(page)


def test_a_refused_comment_names_the_field_and_loses_nothing(app, client, db):
    token = _joined(client)
    items = items_on(client, token, 2)
    assert answer_page(client, token, 2, {f"item-{items[0]}": "1",
                                          "comment-connection": "Eerste versie"}).status_code == 303
    too_long = "y" * (COMMENT_MAX + 5)
    response = answer_page(client, token, 2, {f"item-{items[1]}": "4",
                                              "comment-connection": too_long})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    message = (f"Uw toelichting is {COMMENT_MAX + 5} tekens lang; er passen er {COMMENT_MAX} in. "
               "Maak hem korter. Uw keuzes bij de stellingen zijn wel opgeslagen, de toelichting "
               "nog niet.")
    assert message in text_of(body) and 'href="#comment-connection"' in body
    # The text is shown again whole: no maxlength to cut it while it is too long.
    field = re.search(r'<textarea id="comment-connection".*?>', body, re.S).group(0)
    assert "maxlength" not in field and 'aria-invalid="true"' in field
    assert too_long in body
    respondent_id = rounds.respondent_by_resume(db, token)["id"]
    # What the message says is true: the choices were saved, the comment kept its saved text.
    assert rounds.answers_of(db, respondent_id) == {items[0]: "1", items[1]: "4"}
    assert rounds.comments_of(db, respondent_id) == {"connection": "Eerste versie"}


def test_a_background_save_of_a_too_long_comment_says_what_was_saved(client, db):
    token = _joined(client)
    items = items_on(client, token, 2)
    page = _page(client, token, 2)
    response = client.post(f"/r/{token}/autosave/2", data={
        "csrf_token": csrf_of(page), "version": version_of(page), f"item-{items[0]}": "2",
        "comment-connection": "z" * (COMMENT_MAX + 1)})
    assert response.status_code == 400
    data = response.get_json()
    assert data["status"] == "invalid"
    assert "Uw keuzes bij de stellingen zijn wel opgeslagen" in data["errors"]["comment-connection"]
    respondent_id = rounds.respondent_by_resume(db, token)["id"]
    assert rounds.answers_of(db, respondent_id) == {items[0]: "2"}
    assert rounds.comments_of(db, respondent_id) == {}


def test_english_messages_of_the_comment(client):
    token = _joined(client)
    client.get("/taal/en")
    items = items_on(client, token, 2)
    page = _page(client, token, 2)
    assert f"{COMMENT_MAX}" in text_of(page)
    response = answer_page(client, token, 2, {f"item-{items[0]}": "1",
                                              "comment-connection": "q" * (COMMENT_MAX + 1)})
    assert "Your comment is 1001 characters long" in text_of(response.get_data(as_text=True))


def test_english_pages_name_every_step_in_english(client):
    token = _joined(client)
    client.get("/taal/en")
    page = text_of(_page(client, token, 2))
    assert "About your approach" in page and "Check and submit" in page
    assert "Over uw aanpak" not in page and "Controleren en indienen" not in page
    review = text_of(_page(client, token, 7))
    assert "statements without an answer" in review and "0 of " in review
