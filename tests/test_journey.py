"""The respondent journey through the test client: start, answer, save, resume, submit, close."""

from __future__ import annotations

import re
import statistics

import pytest
from journey import (
    answer_all,
    answer_page,
    close,
    invitation_path,
    items_on,
    join,
    start_round,
    submit,
)
from pages import csrf_of, nonce_of, text_of, version_of

from selfscan.core.tokens import link_csrf_token
from selfscan.storage import db as dbmod
from selfscan.storage import rounds


def _db(app):
    return dbmod.connect(app.config["DATABASE"])


def test_home_explains_the_scan_in_dutch(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Ik heb een uitnodigingslink" in html and "Ronde starten als coördinator" in html
    for title in ("Lokale en landelijke verbinding", "Voldoende menskracht"):
        assert title in html
    assert "privacy" in html.lower()


def test_whole_journey_with_three_respondents(app, client, q):
    coordinator = start_round(client, benchmark_consent="y", contact_email="regie@gemeente.nl")
    page = client.get(coordinator + "?nieuw=1").get_data(as_text=True)
    assert "Uw ronde is gestart" in page and "Bewaar ze veilig" in page
    invitation = invitation_path(client, coordinator)

    roles = ["municipality-security", "police", "veilig-thuis"]
    tokens = [join(client, invitation, role) for role in roles]
    # Context page, then each dimension; the first respondent saves halfway and resumes.
    first = tokens[0]
    assert answer_page(client, first, 1, {"context-context-families": "12"}).status_code == 303
    items = items_on(client, first, 2)
    saved = answer_page(client, first, 2, {f"item-{items[0]}": "3"}, action="save")
    assert saved.headers["Location"].endswith(f"/r/{first}/opgeslagen")
    resume_page = client.get(f"/r/{first}/opgeslagen").get_data(as_text=True)
    assert f"/r/{first}" in resume_page
    resumed = client.get(f"/r/{first}")
    assert resumed.headers["Location"].endswith(f"/r/{first}/stap/2")  # first page with open items
    assert 'value="3" checked' in client.get(f"/r/{first}/stap/2").get_data(as_text=True)

    levels = dict(zip(roles, ["1", "2", "3"], strict=True))
    for token, role in zip(tokens, roles, strict=True):
        answer_all(client, token, levels[role])
    review = client.get(f"/r/{tokens[0]}/stap/7").get_data(as_text=True)
    assert "U hebt alle stellingen beantwoord" in review
    for token in tokens:
        form = {"csrf_token": csrf_of(client.get(f"/r/{token}/stap/7").get_data(as_text=True))}
        assert client.post(f"/r/{token}/indienen", data=form).headers["Location"].endswith(
            f"/r/{token}/klaar")
        # Submitting again (refresh, back button, double click, second tab) is harmless.
        again = client.post(f"/r/{token}/indienen", data=form)
        assert again.status_code == 303 and again.headers["Location"].endswith("/klaar")
        assert "Uw antwoorden zijn ingediend" in client.get(f"/r/{token}/klaar").get_data(
            as_text=True)

    coord_html = client.get(coordinator).get_data(as_text=True)
    assert "Begonnen: 3. Ingediend: 3." in coord_html
    assert "Politie" in coord_html and "Veilig Thuis" in coord_html
    assert close(client, coordinator).status_code == 303
    db = _db(app)
    row = db.execute("SELECT status, respondent_count, overall_score FROM rounds").fetchone()
    # Each item has the levels of the respondents whose role is asked it, and only those: an
    # item for the municipality alone has median 1 from one respondent, one asked of all three
    # the median of 1, 2 and 3. Dimensions are the mean of their items' median x 25.
    stored = {item: (median, count) for item, median, count in db.execute(
        "SELECT item_id, median, respondents FROM round_item_scores").fetchall()}
    dimension_scores = []
    for d in q.dimensions:
        medians = []
        for item in d.items:
            given = [int(level) for role, level in levels.items() if item.asks(role)]
            assert stored[item.id] == (statistics.median(given), len(given)), item.id
            medians.append(statistics.median(given))
        dimension_scores.append(statistics.fmean(m * 25 for m in medians))
    assert {count for _median, count in stored.values()} == {1, 2, 3}  # audiences differ
    assert row[:2] == ("closed", 3)
    assert row[2] == pytest.approx(statistics.fmean(dimension_scores))
    assert db.execute("SELECT count(*) FROM respondents WHERE status='submitted'").fetchone()[0] == 3
    # After closing, the invitation shows that the round is closed; answering is impossible.
    assert "Deze ronde is gesloten" in client.get(invitation).get_data(as_text=True)
    # The link's own CSRF token (its pages are no longer shown after submitting).
    fresh = link_csrf_token(app.config["SECRET_KEY"], tokens[0])
    late = client.post(f"/r/{tokens[0]}/stap/2", data={
        "csrf_token": fresh, "version": f"{q.id}:{q.version}", f"item-{items[0]}": "0"})
    assert late.status_code == 303 and late.headers["Location"].endswith("/klaar")
    assert db.execute("SELECT value FROM answers a JOIN respondents p ON p.id = a.respondent_id "
                      "WHERE p.id = 1 AND item_id = ?", [items[0]]).fetchone()[0] == "1"


def test_an_unsubmitted_respondent_does_not_count(app, client):
    coordinator = start_round(client)
    invitation = invitation_path(client, coordinator)
    done, busy = join(client, invitation, "police"), join(client, invitation, "education")
    answer_all(client, done, "4")
    answer_all(client, busy, "0")
    submit(client, done)
    close(client, coordinator)
    assert _db(app).execute("SELECT overall_score FROM rounds").fetchone()[0] == 100.0


def test_double_start_makes_one_round(app, client):
    html = client.get("/start").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html),
            "municipality": "GM0014", "year": re.search(r'<option value="(\d{4})"', html)[1]}
    first = client.post("/start", data=data)
    second = client.post("/start", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _db(app).execute("SELECT count(*) FROM rounds").fetchone()[0] == 1


def test_double_join_makes_one_respondent(app, client):
    invitation = invitation_path(client, start_round(client))
    html = client.get(invitation).get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "role_group": "police"}
    first = client.post(invitation, data=data).headers["Location"]
    second = client.post(invitation, data=data).headers["Location"]
    assert first.split("/stap/")[0] == second.split("/stap/")[0]
    assert _db(app).execute("SELECT count(*) FROM respondents").fetchone()[0] == 1


def test_a_retired_role_group_is_neither_offered_nor_accepted(app, client):
    invitation = invitation_path(client, start_round(client))
    html = client.get(invitation).get_data(as_text=True)
    offered = re.findall(r'name="role_group" value="([a-z-]+)"', html)
    assert {"salvation-army-youth", "salvation-army-probation", "other"} <= set(offered)
    assert "salvation-army" not in offered
    refused = client.post(invitation, data={"csrf_token": csrf_of(html),
                                            "form_nonce": nonce_of(html),
                                            "role_group": "salvation-army"})
    assert refused.status_code == 400 and "Kies de groep waartoe u hoort." in refused.get_data(
        as_text=True)
    assert _db(app).execute("SELECT count(*) FROM respondents").fetchone()[0] == 0


def test_start_form_errors_are_clear(client):
    html = client.get("/start").get_data(as_text=True)
    response = client.post("/start", data={
        "csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "municipality": "GM9999",
        "year": "1999", "coaching": "y", "contact_email": "geen-adres"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Er is iets niet goed ingevuld" in body
    assert "Gemeente: we vinden geen gemeente met de naam of code &#39;GM9999&#39;. Kies uw " \
        "gemeente uit de lijst." in body
    assert "Jaar: kies een jaar uit de lijst." in body
    assert "een geldig e-mailadres in" in body
    assert 'href="#municipality"' in body


def test_coaching_needs_an_email(client):
    html = client.get("/start").get_data(as_text=True)
    response = client.post("/start", data={
        "csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "municipality": "GM0014",
        "year": re.search(r'<option value="(\d{4})"', html)[1], "coaching": "y"})
    assert response.status_code == 400
    assert "zodat het CCV contact met u kan opnemen" in response.get_data(as_text=True)


def test_links_are_stored_only_as_hashes(app, client):
    coordinator = start_round(client)
    token = coordinator.rsplit("/", 1)[1]
    invitation = invitation_path(client, coordinator).rsplit("/", 1)[1]
    resume = join(client, "/i/" + invitation, "police")
    dump = "\n".join(_db(app).conn.iterdump())
    for secret in (token, invitation, resume):
        assert len(secret) >= 22  # >= 128 bits in URL-safe base64
        assert secret not in dump


def test_replace_invitation_revokes_the_old_link(app, client):
    coordinator = start_round(client)
    old = invitation_path(client, coordinator)
    resume = join(client, old, "police")
    html = client.get(coordinator).get_data(as_text=True)
    client.post(coordinator + "/nieuwe-uitnodiging", data={"csrf_token": csrf_of(html)})
    new = invitation_path(client, coordinator)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get(f"/r/{resume}/stap/1").status_code == 200  # started respondents go on


def test_delete_round_after_confirmation(app, client):
    coordinator = start_round(client)
    resume = join(client, invitation_path(client, coordinator), "police")
    html = client.get(coordinator + "/verwijderen").get_data(as_text=True)
    refused = client.post(coordinator + "/verwijderen",
                          data={"csrf_token": csrf_of(html), "confirm": "ja"})
    assert refused.status_code == 400 and "verwijder" in refused.get_data(as_text=True)
    assert client.get(coordinator).status_code == 200
    done = client.post(coordinator + "/verwijderen",
                       data={"csrf_token": csrf_of(html), "confirm": "verwijder"})
    assert done.status_code == 303
    assert client.get(coordinator).status_code == 404
    assert client.get(f"/r/{resume}/stap/1").status_code == 404
    db = _db(app)
    assert db.execute("SELECT count(*) FROM rounds").fetchone()[0] == 0
    kinds = [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id").fetchall()]
    assert kinds[-1] == "round_deleted"


# --- CSRF without losing work ------------------------------------------------------------------


def test_csrf_failure_keeps_entered_answers(app, client):
    resume = join(client, invitation_path(client, start_round(client)), "police")
    items = items_on(client, resume, 2)
    version = version_of(client.get(f"/r/{resume}/stap/2").get_data(as_text=True))
    response = client.post(f"/r/{resume}/stap/2", data={
        "csrf_token": "expired", "version": version, "action": "next",
        f"item-{items[0]}": "4", f"item-{items[1]}": "unknown",
        "comment-connection": "Onze eigen toelichting"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Alles wat u invulde staat er nog" in body
    assert f'id="item-{items[0]}-4" name="item-{items[0]}" value="4" checked' in body
    assert f'name="item-{items[1]}" value="unknown" checked' in body
    assert "Onze eigen toelichting" in body
    # Submitting again with the fresh token from that page saves everything.
    again = client.post(f"/r/{resume}/stap/2", data={
        "csrf_token": csrf_of(body), "version": version, "action": "next",
        f"item-{items[0]}": "4"})
    assert again.status_code == 303
    assert rounds.answers_of(_db(app), 1)[items[0]] == "4"


def test_csrf_token_does_not_expire_with_time(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/c/{t}", "/i/{t}", "/r/{t}", "/r/{t}/stap/1"])
def test_unknown_links_give_the_same_404(client, path):
    valid_shape = client.get(path.format(t="A" * 32))
    short = client.get(path.format(t="nope"))
    assert valid_shape.status_code == short.status_code == 404
    assert "Pagina niet gevonden" in valid_shape.get_data(as_text=True)
    # The same page whether or not such a round could exist (only the echoed path differs).
    assert valid_shape.get_data(as_text=True).replace("A" * 32, "nope") == short.get_data(
        as_text=True)


def test_404_in_english_when_chosen(client):
    client.set_cookie("selfscan_lang", "en")
    body = client.get("/c/" + "A" * 32).get_data(as_text=True)
    assert '<html lang="en">' in body and "Page not found" in body


def _setup_answering(app, client):
    resume = join(client, invitation_path(client, start_round(client)), "police")
    items = items_on(client, resume, 2)
    assert answer_page(client, resume, 2, {f"item-{items[0]}": "2"}).status_code == 303
    return resume, items


@pytest.mark.parametrize("field,value,expected", [
    ("item-{item}", "5", "waarde die niet bij de stelling of vraag hoort"),
    ("item-{item}", "<script>", "waarde die niet bij de stelling of vraag hoort"),
    ("item-{elsewhere}", "1", "een stelling of vraag die niet op deze pagina staat"),
    ("item-{not_asked}", "1", "een stelling of vraag die niet op deze pagina staat"),
    ("item-does-not-exist", "1", "een stelling of vraag die niet op deze pagina staat"),
    ("evil", "1", "een veld dat de zelfscan niet kent"),
])
def test_invalid_values_give_400_and_lose_nothing(app, client, q, field, value, expected):
    resume, items = _setup_answering(app, client)
    # An item the police are asked, on another page; one on this page they are not asked.
    elsewhere = next(i.id for i in q.dimensions[-1].items if i.asks("police"))
    not_asked = next(i.id for i in q.dimensions[0].items if not i.asks("police"))
    response = answer_page(client, resume, 2, {
        field.format(item=items[1], elsewhere=elsewhere, not_asked=not_asked): value,
        f"item-{items[2]}": "3"})
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    answers = rounds.answers_of(_db(app), 1)
    assert answers == {items[0]: "2"}  # the earlier answer stays, nothing of this page saved


def test_a_respondent_is_asked_only_the_items_of_their_role(app, client, q):
    """A housing association sees the items whose audience includes it, may post only those,
    and its review counts only those."""
    resume = join(client, invitation_path(client, start_round(client)), "housing")
    asked = {d.id: [i.id for i in d.items if i.asks("housing")] for d in q.dimensions}
    assert 0 < sum(map(len, asked.values())) < len(q.items)
    other_roles = "Dit onderdeel heeft ook stellingen die alleen andere rollen kunnen beoordelen"
    for number, d in enumerate(q.dimensions, start=2):
        page = client.get(f"/r/{resume}/stap/{number}").get_data(as_text=True)
        hidden = [i for i in d.items if not i.asks("housing")]
        assert items_on(client, resume, number) == asked[d.id]
        for item in hidden:
            assert f'name="item-{item.id}"' not in page
            assert item.statement.nl not in text_of(page)
        assert (other_roles in text_of(page)) == bool(hidden and asked[d.id]), d.id
        if not asked[d.id]:
            assert "Op dit onderdeel zijn geen stellingen voor uw rol" in text_of(page)
        # Numbered among the items shown: "Stelling 3 van 3" is the last one on the page.
        total = len(asked[d.id])
        assert f"Stelling {total} van {total}" in page or not total
        assert f"Stelling {total + 1} van" not in page

    # Posting an item outside the audience is refused; nothing of that page is saved.
    number, d = next((n, d) for n, d in enumerate(q.dimensions, start=2)
                     if asked[d.id] and len(asked[d.id]) < len(d.items))
    not_asked = next(i.id for i in d.items if not i.asks("housing"))
    first = asked[d.id][0]
    assert answer_page(client, resume, number, {f"item-{first}": "1"}).status_code == 303
    refused = answer_page(client, resume, number, {
        f"item-{first}": "4", f"item-{not_asked}": "2", f"comment-{d.id}": "Onze toelichting"})
    assert refused.status_code == 400
    assert "een stelling of vraag die niet op deze pagina staat" in refused.get_data(as_text=True)
    html = client.get(f"/r/{resume}/stap/{number}").get_data(as_text=True)
    background = client.post(f"/r/{resume}/autosave/{number}", data={f"item-{not_asked}": "2"},
                             headers={"X-CSRFToken": csrf_of(html)})
    assert background.status_code == 400 and background.is_json
    db = _db(app)
    assert rounds.answers_of(db, 1) == {first: "1"}
    assert rounds.comments_of(db, 1) == {}

    # The review counts only the asked items: all answered but one, then all.
    open_page, left_open = max((n, ids[-1]) for n, ids in enumerate(asked.values(), start=2)
                               if ids)
    for page_number in range(2, len(q.dimensions) + 2):
        values = {f"item-{i}": "2" for i in items_on(client, resume, page_number)
                  if i != left_open}
        assert answer_page(client, resume, page_number, values).status_code == 303
    review_page = client.get(f"/r/{resume}/stap/7").get_data(as_text=True)
    assert "Er is nog 1 stelling zonder antwoord" in text_of(review_page)
    # ... linked to its place on its page.
    assert f'/stap/{open_page}#item-{left_open}"' in review_page
    assert client.get(f"/r/{resume}").headers["Location"].endswith(f"/stap/{open_page}")
    answer_all(client, resume, "2")
    review_html = client.get(f"/r/{resume}/stap/7").get_data(as_text=True)
    assert "U hebt alle stellingen beantwoord" in review_html
    assert review_html.count("<dt>") == sum(map(len, asked.values()))
    assert not [i.id for i in q.items.values()
                if not i.asks("housing") and i.statement.nl in text_of(review_html)]
    assert client.get(f"/r/{resume}").headers["Location"].endswith("/stap/7")
    assert set(rounds.answers_of(db, 1)) == {i for ids in asked.values() for i in ids}


def test_fields_of_another_version_give_400(app, client, q):
    resume, items = _setup_answering(app, client)
    older = next(v for v in app.extensions["selfscan.library"].questionnaires
                 if v.id == q.id and v.version != q.version)
    response = answer_page(client, resume, 2, {f"item-{items[1]}": "1"},
                           version=f"{older.id}:{older.version}")
    assert response.status_code == 400
    assert "andere versie van de vragenlijst" in response.get_data(as_text=True)
    assert rounds.answers_of(_db(app), 1) == {items[0]: "2"}


def test_too_long_comment_is_a_form_error_and_keeps_answers(app, client):
    resume, items = _setup_answering(app, client)
    response = answer_page(client, resume, 2, {
        f"item-{items[1]}": "4", "comment-connection": "x" * 1001})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Uw toelichting is 1001 tekens lang" in body and 'href="#comment-connection"' in body
    assert "x" * 1001 in body  # what was typed is shown again
    assert rounds.answers_of(_db(app), 1) == {items[0]: "2", items[1]: "4"}


def test_context_number_out_of_range_is_a_form_error(app, client):
    resume, _items = _setup_answering(app, client)
    response = answer_page(client, resume, 1, {"context-context-families": "veel"})
    assert response.status_code == 400
    assert "Vul een heel getal in" in response.get_data(as_text=True)


def test_requests_over_one_megabyte_get_413(app, client):
    resume, items = _setup_answering(app, client)
    response = answer_page(client, resume, 2, {"comment-connection": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)
    assert rounds.answers_of(_db(app), 1) == {items[0]: "2"}


def test_autosave_saves_in_the_background(app, client):
    resume, items = _setup_answering(app, client)
    html = client.get(f"/r/{resume}/stap/2").get_data(as_text=True)
    ok = client.post(f"/r/{resume}/autosave/2", data={f"item-{items[1]}": "na"},
                     headers={"X-CSRFToken": csrf_of(html)})
    assert ok.status_code == 200 and ok.get_json() == {"status": "saved"}
    assert rounds.answers_of(_db(app), 1)[items[1]] == "na"
    bad = client.post(f"/r/{resume}/autosave/2", data={f"item-{items[1]}": "9"},
                      headers={"X-CSRFToken": csrf_of(html)})
    assert bad.status_code == 400 and bad.is_json
    no_token = client.post(f"/r/{resume}/autosave/2", data={f"item-{items[1]}": "1"})
    assert no_token.status_code == 400
    assert rounds.answers_of(_db(app), 1)[items[1]] == "na"


# --- language ----------------------------------------------------------------------------------


def test_english_by_browser_preference_and_by_switch(client):
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Start a round as coordinator" in english.get_data(as_text=True)
    switched = client.get("/taal/nl?next=/start")
    assert switched.status_code == 303 and switched.headers["Location"] == "/start"
    dutch = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in dutch  # the visible switch wins over the browser


def test_questionnaire_texts_follow_the_language(client):
    resume = join(client, invitation_path(client, start_round(client)), "police")
    client.get("/taal/en")
    html = client.get(f"/r/{resume}/stap/2").get_data(as_text=True)
    assert "Local and national connection" in html and "Step 2 of 7" in html
    assert "Don&#39;t know" in html or "Don't know" in html


def test_language_switch_never_redirects_elsewhere(client):
    for target in ("https://example.org/", "//example.org/x", "javascript:alert(1)"):
        response = client.get("/taal/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_guessing_links_is_rate_limited(new_app):
    client = new_app("i", SECRET_KEY="x", RATELIMIT_ENABLED=True).test_client()
    codes = [client.get("/c/" + f"{n:032d}").status_code for n in range(35)]
    assert codes[:30] == [404] * 30
    assert codes[-1] == 429


def test_context_answers_are_saved_and_unticking_all_boxes_clears_them(app, client):
    resume = join(client, invitation_path(client, start_round(client)), "police")
    html = client.get(f"/r/{resume}/stap/1").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "version": version_of(html), "action": "next",
            "context-context-families": "1.200", "context-context-municipality-role": "director"}
    options = re.findall(r'name="context-context-partners" value="([a-z0-9-]+)"', html)
    response = client.post(f"/r/{resume}/stap/1", data={**data,
                           "context-context-partners": options[:2]})
    assert response.status_code == 303
    saved = rounds.context_of(_db(app), 1)
    assert saved["context-families"] == 1200 and saved["context-municipality-role"] == "director"
    assert saved["context-partners"] == options[:2]
    client.post(f"/r/{resume}/stap/1", data=data)
    assert "context-partners" not in rounds.context_of(_db(app), 1)


def test_unknown_context_choice_is_refused(app, client):
    resume = join(client, invitation_path(client, start_round(client)), "police")
    response = answer_page(client, resume, 1, {"context-context-partners": "mafia"})
    assert response.status_code == 400
    assert rounds.context_of(_db(app), 1) == {}


def test_cached_pages_never_mix_respondents(app, client):
    """Dimension pages come from a cached copy: each respondent must still see only their own."""
    invitation = invitation_path(client, start_round(client))
    first, second = join(client, invitation, "police"), join(client, invitation, "education")
    # The items both roles are asked (each sees only its audience's items).
    items = [i for i in items_on(client, first, 2) if i in items_on(client, second, 2)]
    assert len(items) >= 2
    answer_page(client, first, 2, {f"item-{items[0]}": "4",
                                   "comment-connection": "<b>eigen</b> & toelichting"})
    answer_page(client, second, 2, {f"item-{items[0]}": "1"})
    page_one = client.get(f"/r/{first}/stap/2").get_data(as_text=True)
    page_two = client.get(f"/r/{second}/stap/2").get_data(as_text=True)
    assert second not in page_one and first not in page_two
    assert f"/r/{first}/stap/2" in page_one and f"/r/{second}/autosave/2" in page_two
    assert f'name="item-{items[0]}" value="4" checked' in page_one
    assert f'name="item-{items[0]}" value="1" checked' in page_two
    assert page_one.count(" checked") == 1 and page_two.count(" checked") == 1
    assert "&lt;b&gt;eigen&lt;/b&gt; &amp; toelichting</textarea>" in page_one
    assert "toelichting</textarea>" not in page_two
    assert "zz0selfscan0" not in page_one + page_two  # no stand-in survives
    # The CSRF token in a cached page is valid for this session.
    ok = client.post(f"/r/{second}/stap/2", data={
        "csrf_token": csrf_of(page_two), "version": version_of(page_two),
        f"item-{items[1]}": "2"})
    assert ok.status_code == 303
    # Another language gets its own copy.
    client.set_cookie("selfscan_lang", "en")
    english = client.get(f"/r/{first}/stap/2").get_data(as_text=True)
    assert '<html lang="en">' in english and "Don" in english and first in english
