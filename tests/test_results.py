"""The results page: scores, provisional marking, breakdowns, comparison, advice, next round."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pypdf
from factories import add_respondents, connection, current, make_round
from journey import close, invitation_path, join, start_round, submit
from pages import csrf_of, element, nonce_of, text_of

from selfscan.core.results import ReasonView, ToolView
from selfscan.storage import rounds, scores
from selfscan.web import helpers as web


def _three(app, **kw):
    # Levels 1, 2 and 4 everywhere; the third respondent does not know the connection items.
    conn = {i.id: "unknown" for i in current(app).dimension("connection").items}
    return make_round(app, [("police", "1"), ("veilig-thuis", "2"),
                            ("education", {"*": "4", **conn})], year=2025, **kw)


def test_closed_round_with_three_respondents_shows_the_numbers(app, client):
    token = _three(app).coordinator
    resp = client.get(f"/c/{token}/uitkomsten")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    text = text_of(page)
    assert "Uitkomsten van Amsterdam 2025" in text
    assert "3 deelnemers" in text
    assert "tag--provisional" not in page and "Definitief" in text
    # connection: medians of 1 and 2 are 1.5 -> 37.5; the others: median of 1, 2, 4 is 2 -> 50.
    assert re.search(r'data-dimension="connection">37,5<', page)  # Dutch: a decimal comma
    for dim in ("manpower", "embedding", "knowledge", "governance"):
        assert re.search(rf'data-dimension="{dim}">50,0<', page)
    card = text_of(element(page, "dim-connection"))
    assert "Deelnemers 2" in card
    assert "Weet ik niet 33%" in card  # 8 of 24 answers
    assert "Stellingen met antwoord 100%" in card
    # Levels 1 and 2 are one apart: no disagreement on connection; 1, 2, 4 are three apart.
    assert "niet over eens" not in card
    assert "niet over eens" in text_of(element(page, "dim-manpower"))
    assert "Totaalscore: 47,5 van 100" in text  # (37.5 + 4 * 50) / 5
    # A chart, its data, its text alternative, and no inline script.
    assert 'id="radar-data"' in page and 'class="chart"' in page
    assert "Lokale en landelijke verbinding: 37,5" in text_of(element(page, "radar-text"))
    assert re.search(r"<script(?![^>]*(src=|application/json))", page) is None
    assert " on" + "click=" not in page and "style=" not in page


def test_stronger_and_weaker_items_are_named(app, client):
    q = current(app)
    items = [i.id for i in q.dimension("knowledge").items]
    token = make_round(app, [(r, {"*": "2", items[0]: "4", items[1]: "0"})
                             for r in ("police", "police", "police")]).coordinator
    card = text_of(element(client.get(f"/c/{token}/uitkomsten").get_data(as_text=True),
                           "dim-knowledge"))
    # Named by their short labels, not by the whole statements.
    strongest, weakest = q.items[items[0]], q.items[items[1]]
    assert strongest.short is not None and weakest.short is not None
    assert f"Sterkst: {strongest.short.nl} (niveau 4)" in card
    assert f"Zwakst: {weakest.short.nl} (niveau 0)" in card
    assert strongest.statement.nl not in card and weakest.statement.nl not in card


def test_provisional_results_follow_every_submission(app, client):
    handle = make_round(app, [("police", "1")] * 3, closed=False)
    token = handle.coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "tag--provisional" in page and "voorlopige uitkomsten" in page
    assert "3 deelnemers" in text_of(page)
    assert re.search(r'data-dimension="manpower">25,0<', page)
    # Another submission changes the revision, so the cached result is not reused.
    add_respondents(app, handle.round_id, [("police", "3")] * 4)
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "7 deelnemers" in text_of(page)
    assert re.search(r'data-dimension="manpower">75,0<', page)


def test_no_results_before_the_first_submission(app, client):
    token = make_round(app, [], closed=False).coordinator
    resp = client.get(f"/c/{token}/uitkomsten")
    assert resp.status_code == 200
    assert "Nog geen uitkomsten" in resp.get_data(as_text=True)


def test_role_group_with_two_respondents_is_hidden(app, client):
    handle = make_round(app, [("police", "1"), ("police", "1"), ("veilig-thuis", "3"),
                              ("veilig-thuis", "3"), ("veilig-thuis", "3"),
                              ("education", "2"), ("education", "2"), ("education", "2")])
    token = handle.coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    table = text_of(element(page, "role-groups"))
    assert "Politie" not in table
    # One other group of 3 is hidden as well: otherwise the total minus the rest gives police
    # away; the other one is shown.
    assert ("Veilig Thuis" in table) != ("School" in table)
    # The criminal-law side has only the two police officers: hidden, and one other side of 3
    # with it. School is on the side "other partners" (alone), Veilig Thuis on the care side
    # (alone): the two tables together must not show both, or the total minus them gives the
    # police away.
    sides = text_of(element(page, "sides"))
    assert "Strafkant" not in sides
    assert ("Zorgkant" in sides) != ("Overige partners" in sides)
    veilig_thuis_shown = "Veilig Thuis" in table or "Zorgkant 3" in sides
    school_shown = "School" in table or "Overige partners 3" in sides
    assert veilig_thuis_shown != school_shown


def test_role_group_with_three_respondents_is_shown(app, client):
    token = make_round(app, [("police", "1")] * 3 + [("veilig-thuis", "3")] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    table = text_of(element(page, "role-groups"))
    assert "Politie 3 25,0" in table
    assert "Veilig Thuis 3 75,0" in table
    sides = text_of(element(page, "sides"))
    assert "Strafkant 3 25,0" in sides and "Zorgkant 3 75,0" in sides
    # Care and criminal-law side are two levels apart on every item.
    disagree = text_of(page[page.index('id="disagree-title"'):page.index('id="groups-title"')])
    assert "Zorgkant: niveau 3, Strafkant: niveau 1" in disagree
    assert "minstens een heel niveau uit elkaar" in disagree


def test_single_respondent_groups_show_no_breakdown(app, client):
    token = make_round(app, [("police", "1"), ("veilig-thuis", "3"),
                             ("education", "2")]).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert element(page, "role-groups") == ""
    assert "Geen enkele rolgroep heeft genoeg deelnemers" in text_of(page)


# The comparison lines come from releases: tests/test_releases.py and tests/test_disclosure.py.


def _start_next(client, token):
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "form_nonce": nonce_of(page)}
    return client.post(f"/c/{token}/nieuwe-ronde", data=data), data


def test_new_round_is_linked_and_idempotent(app, client):
    handle = make_round(app, [("police", "1")], coaching=True, email="a@b.nl")
    rid, token = handle.round_id, handle.coordinator
    resp, data = _start_next(client, token)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert re.search(r"/c/[^/?]+\?nieuw=1$", location)
    again = client.post(f"/c/{token}/nieuwe-ronde", data=data)
    assert again.headers["Location"] == location
    new_token = location.split("/c/")[1].split("?")[0]
    with app.app_context():
        db = web.get_db()
        new = rounds.round_by_coordinator(db, new_token)
        assert new["previous_round_id"] == rid
        assert new["status"] == "open" and new["year"] == date.today().year
        assert new["benchmark_consent"] == 1 and new["coaching_requested"] == 1
        assert db.execute("SELECT count(*) FROM rounds WHERE previous_round_id = ?",
                          [rid]).fetchone()[0] == 1


def test_new_round_only_from_a_closed_round(app, client):
    token = make_round(app, [("police", "1")], closed=False).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "nieuwe-ronde" not in page
    coordinator = client.get(f"/c/{token}").get_data(as_text=True)
    resp = client.post(f"/c/{token}/nieuwe-ronde", data={"csrf_token": csrf_of(coordinator)})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/c/{token}")
    with app.app_context():
        assert web.get_db().execute("SELECT count(*) FROM rounds").fetchone()[0] == 1


def test_results_compare_with_the_previous_round(app, client):
    q = current(app)
    item = q.dimension("manpower").items[0].id
    rid = make_round(app, [("police", "1")] * 3, year=2025).round_id
    token2 = make_round(app, [("police", {"*": "2", item: "4"})] * 3, year=2025,
                        previous_round_id=rid).coordinator
    page = client.get(f"/c/{token2}/uitkomsten").get_data(as_text=True)
    text = text_of(page)
    assert "Vorige ronde: 2025, 3 deelnemers." in text
    # connection 25 -> 50; manpower items 2 (x5) and 4 -> mean of 50*5+100 / 6.
    assert re.search(r'data-dimension="connection">50,0</td>.*?<td class="num">25,0</td>'
                     r'<td class="num">\+25,0</td>', page, re.S)
    assert "Sinds vorige ronde +25,0" in text_of(element(page, "dim-connection"))
    assert page.count("scatterpolar") == 2  # own and previous round
    assert "Uw vorige ronde" in page
    # Per item: the changed item went up three levels.
    items_part = page[page.index('id="items-title"'):]
    row = re.search(re.escape(q.items[item].statement.nl[:40]) + r".*?</tr>", items_part, re.S)
    assert row and "+3,0" in row.group(0)


def test_recommendations_give_the_reason_in_words(app, client):
    q = current(app)
    answers = {"*": "3", "knowledge-evaluations": "1"}
    token = make_round(app, [("police", answers)] * 3).coordinator
    text = text_of(client.get(f"/c/{token}/uitkomsten").get_data(as_text=True))
    item = q.items["knowledge-evaluations"]
    assert "De oogst van negen keer proeftuinieren" in text
    # The reason names the item by its short label.
    assert f"Waarom dit hulpmiddel: {item.short.nl} staat op niveau 1 (Ad hoc)" in text
    assert f"‘{item.statement.nl}’" not in text
    assert "Naar de pagina van CCV" in text
    # Overall 75: no coaching unless asked for.
    assert "Coaching on the job" not in text


def test_coaching_offered_when_low_or_requested(app, client):
    token = make_round(app, [("police", "0")] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    coaching = text_of(element(page, "coaching"))
    assert "Coaching on the job" in coaching and "totaalscore is nog laag" in coaching
    # Every catalogue entry now links to its own page: no hint to search the publisher's site.
    tool = app.extensions["selfscan.library"].catalogue.get("ccv-coaching")
    assert not tool.url_is_home and f'href="{tool.url}"' in element(page, "coaching")
    assert "zoek op de titel op de site van de uitgever" not in text_of(page)
    token = make_round(app, [("police", "4")] * 3, coaching=True, email="a@b.nl").coordinator
    coaching = text_of(element(client.get(f"/c/{token}/uitkomsten").get_data(as_text=True),
                               "coaching"))
    assert "belangstelling hebt voor coaching" in coaching


def test_wrong_token_gives_404_everywhere(client):
    bad = "x" * 43
    for path in ("/uitkomsten", "/uitkomsten/rapport", "/uitkomsten/rapport.pdf",
                 "/uitkomsten.csv", "/uitkomsten.json", "/antwoorden.csv"):
        resp = client.get(f"/c/{bad}{path}")
        assert resp.status_code == 404, path
        assert "Pagina niet gevonden" in resp.get_data(as_text=True)
    assert client.post(f"/c/{bad}/nieuwe-ronde").status_code in (400, 404)


def test_english(app, client):
    token = make_round(app, [("police", "1")] * 3 + [("veilig-thuis", "3")] * 3).coordinator
    client.set_cookie("selfscan_lang", "en")
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert '<html lang="en">' in page
    text = text_of(page)
    assert "Local and national connection" in text
    assert "Lokale en landelijke verbinding" not in text
    assert "Police" in text_of(element(page, "role-groups"))
    assert "100,000 inhabitants or more" in text
    assert "Criminal-law side" in text_of(element(page, "sides"))


def test_dutch_by_accept_language_default(app, client):
    token = make_round(app, [("police", "1")]).coordinator
    page = client.get(f"/c/{token}/uitkomsten",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Local and national connection" in page
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert '<html lang="nl">' in page and "Lokale en landelijke verbinding" in page


def test_results_through_the_real_journey(app, client):
    """Start, invite, answer, submit and close through the web, then read the results."""
    coordinator = start_round(client, benchmark_consent="y", contact_email="regie@gemeente.nl")
    resume = join(client, invitation_path(client, coordinator), "police")
    q = current(app)
    for number, dim in enumerate(q.dimensions, start=2):
        page = client.get(f"/r/{resume}/stap/{number}").get_data(as_text=True)
        # Only the items the police are asked (their audience) are on the page.
        asked = [i.id for i in dim.items if i.asks("police")]
        assert asked == re.findall(r'name="item-([a-z0-9-]+)" value="0"', page)
        data = {f"item-{i}": "2" for i in asked}
        data.update(csrf_token=csrf_of(page), version=f"{q.id}:{q.version}")
        assert client.post(f"/r/{resume}/stap/{number}", data=data).status_code == 303
    submit(client, resume)
    # One submission: provisional results wait for three (issue 11), so no numbers yet.
    assert 'id="provisional-rule"' in client.get(f"{coordinator}/uitkomsten").get_data(as_text=True)
    close(client, coordinator)
    page = client.get(f"{coordinator}/uitkomsten").get_data(as_text=True)
    assert "tag--provisional" not in page
    assert re.search(r'data-dimension="governance">50,0<', page)


def test_a_link_to_a_home_page_says_to_search_for_the_title(app):
    """The real catalogue links every tool to its own page; the hint stays for one that cannot."""
    reason = ReasonView("knowledge-evaluations", "Leren van evaluaties", 1.0, "Ad hoc")
    tool = ToolView("gids", "Een gids", "CCV", "https://hetccv.nl/", True, "Een gids.", [reason])
    with app.test_request_context("/"):
        macros = app.jinja_env.get_template("results/_macros.html").module
        html = str(macros.tool_card(tool))
        plain = str(macros.tool_card(ToolView(**{**vars(tool), "url_is_home": False})))
    assert "zoek op de titel op de site van de uitgever" in text_of(html)
    assert "zoek op de titel" not in text_of(plain)
    assert "Leren van evaluaties staat op niveau 1 (Ad hoc)" in text_of(plain)


# --- context questions, the overall score, discussions, stored rounds ---------------------------


def _round_with_context(app, contexts, *, unsubmitted=()):
    """A closed round of municipal respondents at level 2, each giving one of `contexts` (context
    answers are saved before submitting, as on the web); those in `unsubmitted` only save."""
    people = [("municipality-security", "2")] * (len(contexts) + len(unsubmitted))
    handle = make_round(app, people, submitted=0, closed=False)
    with connection(app) as db:
        for (respondent_id, _resume), context in zip(handle.respondents,
                                                     [*contexts, *unsubmitted], strict=True):
            if context:
                assert rounds.save_answers(db, respondent_id, context=context)
        for respondent_id, _resume in handle.respondents[:len(contexts)]:
            assert rounds.submit_respondent(db, respondent_id, handle.round_id)
        assert rounds.close_round(db, handle.round_id, current(app))
    return handle


CONTEXTS = [
    {"context-families": 10, "context-partners": ["police", "om"],
     "context-municipality-role": "director"},
    {"context-families": 40, "context-partners": ["police"],
     "context-municipality-role": "director"},
    {"context-families": 12, "context-partners": ["police", "schools"],
     "context-municipality-role": "participant"},
    {"context-families": 19, "context-partners": ["schools"]},
    {},  # answered no context question
]


def test_context_answers_are_summarised_on_the_page_and_in_the_exports(app, client):
    # Someone who saved a context answer but never submitted does not count (9999 families).
    token = _round_with_context(app, CONTEXTS, unsubmitted=[{"context-families": 9999}]
                                ).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "5 deelnemers" in text_of(page)
    section = text_of(page[page.index('id="context-title"'):page.index('id="advice-title"')])
    # Numbers: median of 10, 12, 19 and 40 with a decimal comma, lowest and highest.
    assert ("Hoeveel gezinnen vallen ongeveer onder de aanpak? "
            "Mediaan 15,5 (van 10 tot 40), 4 antwoorden.") in section
    assert "9999" not in section
    # Choices: how many chose each option (in the order of the options; none chosen: left out).
    assert ("Welke partners doen mee aan de aanpak? Politie: 3; Openbaar Ministerie (OM): 1; "
            "Scholen en leerplicht: 2 (4 antwoorden)") in section
    assert "Veilig Thuis" not in section
    assert ("Welke rol heeft de gemeente in de aanpak? De gemeente leidt de aanpak (zij stuurt "
            "de aanpak en brengt de partners bij elkaar): 2; De gemeente doet mee, maar een "
            "andere partner leidt de aanpak: 1 (3 antwoorden)") in section

    data = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    assert data["context"] == [
        {"id": "context-families", "question": "Hoeveel gezinnen vallen ongeveer onder de aanpak?",
         "answered": 4, "median": 15.5, "lowest": 10, "highest": 40, "chosen": []},
        {"id": "context-partners", "question": "Welke partners doen mee aan de aanpak?",
         "answered": 4, "median": None, "lowest": None, "highest": None,
         "chosen": [{"option": "Politie", "respondents": 3},
                    {"option": "Openbaar Ministerie (OM)", "respondents": 1},
                    {"option": "Scholen en leerplicht", "respondents": 2}]},
        {"id": "context-municipality-role", "question": "Welke rol heeft de gemeente in de aanpak?",
         "answered": 3, "median": None, "lowest": None, "highest": None,
         "chosen": [{"option": "De gemeente leidt de aanpak (zij stuurt de aanpak en brengt de "
                               "partners bij elkaar)", "respondents": 2},
                    {"option": "De gemeente doet mee, maar een andere partner leidt de aanpak",
                     "respondents": 1}]},
    ]

    text = client.get(f"/c/{token}/uitkomsten.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    families = next(r for r in rows if r["level"] == "context" and r["id"] == "context-families")
    assert (families["respondents"], families["median"], families["lowest"],
            families["highest"]) == ("4", "15,5", "10", "40")
    options = [(r["text"], r["respondents"]) for r in rows
               if r["level"] == "context-option" and r["id"] == "context-partners"]
    assert options == [("Politie", "3"), ("Openbaar Ministerie (OM)", "1"),
                       ("Scholen en leerplicht", "2")]


def test_no_overall_score_with_three_of_five_dimensions(app, client):
    q = current(app)
    answered = ("connection", "manpower", "embedding")

    def levels(dimensions):
        return {i.id: "2" for d in q.dimensions if d.id in dimensions for i in d.items}

    token = make_round(app, [("municipality-security", levels(answered))] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    text = text_of(page)
    assert "Totaalscore:" not in text
    assert text_of(element(page, "no-overall")).strip() == (
        "Er is nog geen totaalscore. Daarvoor moeten minstens 4 van de 5 onderdelen een score "
        "hebben.")
    missing = ", ".join(q.dimension(d).title.nl for d in ("knowledge", "governance"))
    assert f"Deze onderdelen hebben nog geen antwoord met een niveau: {missing}." in text
    for dim in answered:
        assert re.search(rf'data-dimension="{dim}">50,0<', page)
    data = json.loads(client.get(f"/c/{token}/uitkomsten.json").data)
    assert data["overall_score"] is None and data["overall_phase"] == ""

    # Four of five is enough: the mean of the four.
    token = make_round(app, [("municipality-security", levels((*answered, "knowledge")))] * 3
                       ).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "Totaalscore: 50,0 van 100. Fase: Opbouwfase." in text_of(page)
    assert element(page, "no-overall") == ""


def test_split_answers_are_discussed_first(app, client):
    """Three respondents at 0 and three at 4 on every knowledge item, 2 elsewhere."""
    q = current(app)
    knowledge = q.dimension("knowledge").items

    def split(level):
        return {"*": "2", **{i.id: level for i in knowledge}}

    token = make_round(app, [("municipality-security", split("0"))] * 3
                       + [("municipality-social", split("4"))] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    block = element(page, "discuss-knowledge")
    assert text_of(block).startswith(" Bespreek dit eerst samen De deelnemers lopen hier ver "
                                     "uiteen. Praat eerst samen")
    # Every knowledge item, by its short label, the children's-safety items first.
    ordered = sorted(knowledge, key=lambda i: not i.child_safety)
    # (issue 15: one compact sentence instead of a list, so the advice stays short)
    items = re.search(r'<p class="discuss__items">(.*?)</p>', block, re.S).group(1)
    assert text_of(items).strip() == "; ".join(
        i.short.nl + (" (veiligheid van kinderen)" if i.child_safety else "")
        for i in ordered) + "."
    # Only there, and before the knowledge dimension's tools.
    assert re.findall(r'id="discuss-([a-z-]+)"', page) == ["knowledge"]
    advice = page[page.index('id="advice-knowledge"'):]
    assert advice.index('id="discuss-knowledge"') < advice.index('class="recommendations"')
    # The printable report and the PDF say it too.
    first = ordered[0].short.nl
    report = text_of(client.get(f"/c/{token}/uitkomsten/rapport").get_data(as_text=True))
    assert f"Bespreek dit eerst samen: {first};" in report
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/c/{token}/uitkomsten/rapport.pdf").data))
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    assert f"Bespreek dit eerst samen: {first};" in pdf_text


def _stored_phases(db, round_id):
    dims = dict(db.execute("SELECT dimension_id, phase_id FROM round_scores WHERE round_id = ?",
                           [round_id]).fetchall())
    overall = tuple(db.execute("SELECT overall_score, overall_phase FROM rounds WHERE id = ?",
                               [round_id]).fetchone())
    return dims, overall


def test_stored_version_1_rounds_get_the_corrected_phase(app, client):
    library = app.extensions["selfscan.library"]
    v1 = library.get("mpg", 1)
    with connection(app) as db:
        # Every item at level 2 (50 points): under version 1's old ranges (50-74) that was
        # "ingericht", a phase too high; the phase named after level 2 is "opbouw".
        handle = make_round(db, [("police", "2")] * 3, questionnaire=v1, year=2024)
        # Three dimensions only, stored with the old overall (the mean of the three).
        partial = make_round(db, [("police", {i.id: "3" for d in v1.dimensions[:3]
                                              for i in d.items})] * 3,
                             questionnaire=v1, year=2024, municipality="GM0014")
        with db.conn:
            db.execute("UPDATE round_scores SET phase_id = 'ingericht' WHERE round_id = ?",
                       [handle.round_id])
            db.execute("UPDATE rounds SET overall_phase = 'ingericht' WHERE id = ?",
                       [handle.round_id])
            db.execute("UPDATE rounds SET overall_score = 75.0, overall_phase = 'ingericht' "
                       "WHERE id = ?", [partial.round_id])
        dims = [d.id for d in v1.dimensions]
        assert _stored_phases(db, handle.round_id) == (dict.fromkeys(dims, "ingericht"),
                                                      (50.0, "ingericht"))

        assert scores.apply_scoring_rules(db, library) == 2
        assert _stored_phases(db, handle.round_id) == (dict.fromkeys(dims, "opbouw"),
                                                      (50.0, "opbouw"))
        partial_dims, partial_overall = _stored_phases(db, partial.round_id)
        assert partial_overall == (None, None)  # three of five: no overall score
        assert partial_dims == {**dict.fromkeys(dims[:3], "ingericht"),
                                **dict.fromkeys(dims[3:])}
        assert scores.apply_scoring_rules(db, library) == 0  # idempotent

    page = client.get(f"/c/{handle.coordinator}/uitkomsten").get_data(as_text=True)
    assert "Totaalscore: 50,0 van 100. Fase: Opbouwfase." in text_of(page)
    table = text_of(element(page, "scores-table"))
    assert "Ingerichte aanpak" not in table and table.count("Opbouwfase") == 5
    text = text_of(client.get(f"/c/{partial.coordinator}/uitkomsten").get_data(as_text=True))
    assert "Totaalscore:" not in text and "minstens 4 van de 5 onderdelen" in text
    missing = ", ".join(d.title.nl for d in v1.dimensions[3:])
    assert f"Deze onderdelen hebben nog geen antwoord met een niveau: {missing}." in text


def test_a_wrong_dimension_phase_alone_is_corrected_and_counted(app):
    library = app.extensions["selfscan.library"]
    with connection(app) as db:
        handle = make_round(db, [("police", "2")] * 3, questionnaire=library.get("mpg", 1))
        with db.conn:
            db.execute("UPDATE round_scores SET phase_id = 'ingericht' WHERE round_id = ? "
                       "AND dimension_id = 'manpower'", [handle.round_id])
        assert scores.apply_scoring_rules(db, library) == 1
        assert _stored_phases(db, handle.round_id)[0]["manpower"] == "opbouw"
        assert scores.apply_scoring_rules(db, library) == 0
