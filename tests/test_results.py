"""The results page: scores, provisional marking, breakdowns, comparison, advice, next round."""

from __future__ import annotations

import re
from datetime import date

from factories import add_respondents, current, make_round
from journey import close, invitation_path, join, start_round, submit
from pages import csrf_of, element, nonce_of, text_of

from selfscan.storage import rounds
from selfscan.web import helpers as web

CONNECTION_ITEMS = 7


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
    assert re.search(r'data-dimension="connection">37\.5<', page)
    for dim in ("manpower", "embedding", "knowledge", "governance"):
        assert re.search(rf'data-dimension="{dim}">50\.0<', page)
    card = text_of(element(page, "dim-connection"))
    assert "Deelnemers 2" in card
    assert "Weet ik niet 33%" in card  # 7 of 21 answers
    assert "Dekking 100%" in card
    # Levels 1 and 2 are one apart: no disagreement on connection; 1, 2, 4 are three apart.
    assert "niet over eens" not in card
    assert "niet over eens" in text_of(element(page, "dim-manpower"))
    assert "Totaalscore: 47.5 van 100" in text  # (37.5 + 4 * 50) / 5
    # A chart, its data, its text alternative, and no inline script.
    assert 'id="radar-data"' in page and 'class="chart"' in page
    assert "Lokale en landelijke verbinding: 37.5" in text_of(element(page, "radar-text"))
    assert re.search(r"<script(?![^>]*(src=|application/json))", page) is None
    assert " on" + "click=" not in page and "style=" not in page


def test_stronger_and_weaker_items_are_named(app, client):
    q = current(app)
    items = [i.id for i in q.dimension("knowledge").items]
    token = make_round(app, [(r, {"*": "2", items[0]: "4", items[1]: "0"})
                             for r in ("police", "police", "police")]).coordinator
    card = text_of(element(client.get(f"/c/{token}/uitkomsten").get_data(as_text=True),
                           "dim-knowledge"))
    strongest = q.items[items[0]].statement.nl
    weakest = q.items[items[1]].statement.nl
    assert f"Sterkst: {strongest} (niveau 4)" in card
    assert f"Zwakst: {weakest} (niveau 0)" in card


def test_provisional_results_follow_every_submission(app, client):
    handle = make_round(app, [("police", "1")] * 3, closed=False)
    token = handle.coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "tag--provisional" in page and "voorlopige uitkomsten" in page
    assert "3 deelnemers" in text_of(page)
    assert re.search(r'data-dimension="manpower">25\.0<', page)
    # Another submission changes the revision, so the cached result is not reused.
    add_respondents(app, handle.round_id, [("police", "3")] * 4)
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    assert "7 deelnemers" in text_of(page)
    assert re.search(r'data-dimension="manpower">75\.0<', page)


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
    assert ("Veilig Thuis" in table) != ("Onderwijs" in table)
    assert element(page, "sides") == ""  # criminal-law side has only the two police officers


def test_role_group_with_three_respondents_is_shown(app, client):
    token = make_round(app, [("police", "1")] * 3 + [("veilig-thuis", "3")] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    table = text_of(element(page, "role-groups"))
    assert "Politie 3 25.0" in table
    assert "Veilig Thuis 3 75.0" in table
    sides = text_of(element(page, "sides"))
    assert "Strafkant 3 25.0" in sides and "Zorgkant 3 75.0" in sides
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
    assert re.search(r'data-dimension="connection">50\.0</td>.*?<td class="num">25\.0</td>'
                     r'<td class="num">\+25\.0</td>', page, re.S)
    assert "Sinds vorige ronde +25.0" in text_of(element(page, "dim-connection"))
    assert page.count("scatterpolar") == 2  # own and previous round
    assert "Uw vorige ronde" in page
    # Per item: the changed item went up three levels.
    items_part = page[page.index('id="items-title"'):]
    row = re.search(re.escape(q.items[item].statement.nl[:40]) + r".*?</tr>", items_part, re.S)
    assert row and "+3.0" in row.group(0)


def test_recommendations_give_the_reason_in_words(app, client):
    q = current(app)
    answers = {"*": "3", "knowledge-evaluations": "1"}
    token = make_round(app, [("police", answers)] * 3).coordinator
    text = text_of(client.get(f"/c/{token}/uitkomsten").get_data(as_text=True))
    statement = q.items["knowledge-evaluations"].statement.nl
    assert "De oogst van negen keer proeftuinieren" in text
    assert f"omdat ‘{statement}’ op niveau 1 (Ad hoc) staat" in text
    assert "Naar de pagina van CCV" in text
    # Overall 75: no coaching unless asked for.
    assert "Coaching on the job" not in text


def test_coaching_offered_when_low_or_requested(app, client):
    token = make_round(app, [("police", "0")] * 3).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    coaching = text_of(element(page, "coaching"))
    assert "Coaching on the job" in coaching and "totaalscore is nog laag" in coaching
    assert "zoek op de titel op de site van de uitgever" in text_of(page)
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
        data = {f"item-{i.id}": "2" for i in dim.items}
        data.update(csrf_token=csrf_of(page), version=f"{q.id}:{q.version}")
        assert client.post(f"/r/{resume}/stap/{number}", data=data).status_code == 303
    submit(client, resume)
    # One submission: provisional results wait for three (issue 11), so no numbers yet.
    assert 'id="provisional-rule"' in client.get(f"{coordinator}/uitkomsten").get_data(as_text=True)
    close(client, coordinator)
    page = client.get(f"{coordinator}/uitkomsten").get_data(as_text=True)
    assert "tag--provisional" not in page
    assert re.search(r'data-dimension="governance">50\.0<', page)
