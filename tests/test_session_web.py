"""The working-session pages (/c/<token>/werksessie): agenda, one item at a time, targets and
actions; every form needs its CSRF token, bad input keeps what was entered, and a stale page
gets a conflict (409) instead of overwriting someone else's change."""

from __future__ import annotations

import re

import pytest
from factories import make_round, varied
from pages import csrf_of, element, text_of

from selfscan.storage import sessions


@pytest.fixture
def session_round(app, db):
    handle = make_round(app, varied(6), comments={"connection": "Het overleg loopt goed"})
    db.execute("UPDATE comments SET shared = 1")  # they all chose to share (see test_comment_sharing)
    return handle


def _page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _agenda(page: str) -> list[str]:
    return re.findall(r'<li id="agenda-([\w.-]+)"', page)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_overview_shows_agenda_targets_and_actions(app, client, session_round, q):
    page = _page(client, f"/c/{session_round.coordinator}/werksessie")
    text = text_of(page)
    assert "Werksessie" in text and "Agenda" in text and "Doelniveau per onderdeel" in text
    order = _agenda(page)
    assert sorted(order) == sorted(q.items)
    first = q.items[order[0]]
    assert first.label("nl") in text
    assert "Nog geen afgesproken niveau" in text
    assert "session.css" in page and "<table" not in page  # one column, nothing wide


def test_open_round_is_refused(app, client, db):
    handle = make_round(app, varied(6), closed=False)
    resp = client.get(f"/c/{handle.coordinator}/werksessie")
    assert resp.status_code == 409
    assert "kan pas als de ronde gesloten is" in text_of(resp.get_data(as_text=True))
    item_id = next(iter(app.extensions["selfscan.current"].items))
    assert client.get(f"/c/{handle.coordinator}/werksessie/{item_id}").status_code == 409
    page = _page(client, f"/c/{handle.coordinator}")
    url = f"/c/{handle.coordinator}/werksessie/acties"
    data = {"dimension_id": "connection", "what": "Iets"}
    assert client.post(url, data=data).status_code == 400  # no CSRF token: refused as such
    assert client.post(url, data={**data, "csrf_token": csrf_of(page)}).status_code == 409
    assert not sessions.actions(db, handle.round_id)


def test_unknown_item_and_unknown_link_are_404(client, session_round):
    assert client.get(f"/c/{session_round.coordinator}/werksessie/no-such-item").status_code == 404
    assert client.get("/c/" + "x" * 32 + "/werksessie").status_code == 404
    assert client.get(f"/c/{session_round.coordinator}/werksessie/acties/999").status_code == 404


def test_item_page_shows_distribution_levels_and_comments_without_identity(
        app, client, session_round, q):
    item_id = q.structure["connection"][0]
    page = _page(client, f"/c/{session_round.coordinator}/werksessie/{item_id}")
    text = text_of(page)
    assert "Hoe de deelnemers antwoordden" in text
    assert len(re.findall(r"Niveau \d", text)) == 5
    for level in q.items[item_id].levels:
        assert level.nl in text
    assert "Het overleg loopt goed" in text
    assert "geen persoonsgegevens" in text.lower()
    for respondent_id, _resume in session_round.respondents:
        assert f"respondent {respondent_id}" not in text.lower()
    assert 'name="version" value="0"' in page


def test_agreed_level_is_stored_and_scores_do_not_change(app, client, db, session_round, q):
    token = session_round.coordinator
    before = db.execute("SELECT * FROM round_scores WHERE round_id = ? ORDER BY 1",
                        [session_round.round_id]).fetchall()
    answers = db.execute("SELECT COUNT(*), SUM(CAST(value AS INTEGER)) FROM answers").fetchone()
    order = _agenda(_page(client, f"/c/{token}/werksessie"))
    item_id = order[0]
    page = _page(client, f"/c/{token}/werksessie/{item_id}")
    resp = client.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page), "version": "0", "agreed_level": "3",
        "note": "Convenant getekend", "evidence_title": "Convenant 2026",
        "evidence_url": "https://example.org/convenant.pdf", "button": "next"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/werksessie/{order[1]}")
    stored = sessions.agreements(db, session_round.round_id)[item_id]
    assert (stored.agreed_level, stored.note, stored.version) == (3, "Convenant getekend", 1)
    assert db.execute("SELECT * FROM round_scores WHERE round_id = ? ORDER BY 1",
                      [session_round.round_id]).fetchall() == before
    assert db.execute("SELECT COUNT(*), SUM(CAST(value AS INTEGER)) FROM answers"
                      ).fetchone() == answers
    overview = text_of(_page(client, f"/c/{token}/werksessie"))
    assert "Afgesproken niveau: 3" in overview


def test_personal_data_warning_after_save(client, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["governance"][0]
    page = _page(client, f"/c/{token}/werksessie/{item_id}")
    resp = client.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page), "version": "0", "agreed_level": "",
        "note": "Bel jan@gemeente.nl", "button": "next"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "Noteer geen persoonsgegevens" in text_of(resp.get_data(as_text=True))
    assert sessions.agreements(db, session_round.round_id)[item_id].note == "Bel jan@gemeente.nl"


def test_item_form_needs_csrf_and_keeps_input(client, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["connection"][0]
    resp = client.post(f"/c/{token}/werksessie/{item_id}", data={
        "version": "0", "agreed_level": "2", "note": "Mijn zorgvuldige notitie"})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "Het formulier was verlopen" in text_of(page)
    assert "Mijn zorgvuldige notitie" in page
    assert re.search(r'value="2" checked', page)
    assert item_id not in sessions.agreements(db, session_round.round_id)


def test_bad_item_input_is_400_with_message_and_kept(client, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["connection"][0]
    page = _page(client, f"/c/{token}/werksessie/{item_id}")
    resp = client.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page), "version": "0", "agreed_level": "7",
        "note": "Blijft staan", "evidence_url": "geen link"})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    text = text_of(page)
    assert "Kies een niveau van 0 tot en met 4" in text
    assert "Vul een webadres in" in text
    assert "Blijft staan" in page and 'value="geen link"' in page
    assert 'id="evidence_url-error"' in page
    assert item_id not in sessions.agreements(db, session_round.round_id)


def test_two_people_same_version_second_gets_conflict(app, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["knowledge"][0]
    first, second = app.test_client(), app.test_client()
    page_1 = _page(first, f"/c/{token}/werksessie/{item_id}")
    page_2 = _page(second, f"/c/{token}/werksessie/{item_id}")
    assert _hidden(page_1, "version") == _hidden(page_2, "version") == "0"
    resp = first.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page_1), "version": "0", "agreed_level": "1", "note": "Eerste"})
    assert resp.status_code == 303
    resp = second.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page_2), "version": "0", "agreed_level": "4", "note": "Tweede"})
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    text = text_of(page)
    assert "Iemand anders heeft deze stelling opgeslagen" in text
    assert "Eerste" in text  # the other's stored values shown
    assert ">Tweede</textarea>" in page and re.search(r'value="4" checked', page)  # own kept
    stored = sessions.agreements(db, session_round.round_id)[item_id]
    assert (stored.agreed_level, stored.note) == (1, "Eerste")  # first's change kept
    assert _hidden(page, "version") == str(stored.version)
    # Saving again from the conflict page is a deliberate choice and goes through.
    resp = second.post(f"/c/{token}/werksessie/{item_id}", data={
        "csrf_token": csrf_of(page), "version": _hidden(page, "version"), "agreed_level": "4",
        "note": "Tweede"})
    assert resp.status_code == 303
    assert sessions.agreements(db, session_round.round_id)[item_id].agreed_level == 4


def test_skip_moves_item_last_and_reorder(client, db, session_round):
    token = session_round.coordinator
    page = _page(client, f"/c/{token}/werksessie")
    order = _agenda(page)
    resp = client.post(f"/c/{token}/werksessie/{order[0]}", data={
        "csrf_token": csrf_of(page), "version": "0", "button": "skip"})
    assert resp.status_code == 303
    page = _page(client, f"/c/{token}/werksessie")
    assert _agenda(page)[-1] == order[0] and "Overgeslagen" in text_of(page)
    assert sessions.agreements(db, session_round.round_id)[order[0]].skipped
    now = _agenda(page)
    resp = client.post(f"/c/{token}/werksessie/volgorde", data={
        "csrf_token": csrf_of(page), "item_id": now[1], "move": "up"})
    assert resp.status_code == 303
    moved = _agenda(_page(client, f"/c/{token}/werksessie"))
    assert moved[:2] == [now[1], now[0]]
    resp = client.post(f"/c/{token}/werksessie/volgorde", data={"item_id": now[1], "move": "up"})
    assert resp.status_code == 400
    assert _agenda(_page(client, f"/c/{token}/werksessie"))[:2] == [now[1], now[0]]
    resp = client.post(f"/c/{token}/werksessie/volgorde", data={
        "csrf_token": csrf_of(page), "item_id": "nope", "move": "up"})
    assert resp.status_code == 404


def test_target_form(client, db, session_round):
    token = session_round.coordinator
    page = _page(client, f"/c/{token}/werksessie")
    url = f"/c/{token}/werksessie/doel"
    resp = client.post(url, data={"dimension_id": "connection", "target_level": "3",
                                  "version": "0"})
    assert resp.status_code == 400 and "Het formulier was verlopen" in text_of(
        resp.get_data(as_text=True))
    resp = client.post(url, data={"csrf_token": csrf_of(page), "dimension_id": "connection",
                                  "target_level": "9", "version": "0"})
    assert resp.status_code == 400
    assert "Kies een doelniveau van 0 tot en met 4" in text_of(resp.get_data(as_text=True))
    assert not sessions.targets(db, session_round.round_id)
    resp = client.post(url, data={"csrf_token": csrf_of(page), "dimension_id": "connection",
                                  "target_level": "3", "version": "0"})
    assert resp.status_code == 303
    assert sessions.targets(db, session_round.round_id)["connection"].level == 3
    resp = client.post(url, data={"csrf_token": csrf_of(page), "dimension_id": "connection",
                                  "target_level": "2", "version": "0"})  # a stale page
    assert resp.status_code == 409
    assert "Opgeslagen is nu: 3" in text_of(resp.get_data(as_text=True))
    assert sessions.targets(db, session_round.round_id)["connection"].level == 3


def _action_data(page: str, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(page), "dimension_id": "connection", "item_id": "",
            "what": "Convenant opstellen", "who": "Veilig Thuis", "due": "31-12-2026",
            "tool_id": "", "status": "open", **values}


def test_add_action_errors_are_per_field_and_keep_input(app, client, db, session_round, q):
    token = session_round.coordinator
    page = _page(client, f"/c/{token}/werksessie")
    url = f"/c/{token}/werksessie/acties"
    data = _action_data(page, what="", due="morgen", tool_id="geen-hulpmiddel",
                        item_id=q.structure["governance"][0], who="Gemeente Test")
    resp = client.post(url, data=data)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    for field in ("what", "due", "tool_id", "item_id"):
        assert f'id="{field}-error"' in body, field
    assert 'value="Gemeente Test"' in body and 'value="morgen"' in body
    assert not sessions.actions(db, session_round.round_id)
    no_csrf = {k: v for k, v in _action_data(page).items() if k != "csrf_token"}
    resp = client.post(url, data=no_csrf)
    assert resp.status_code == 400 and "Convenant opstellen" in resp.get_data(as_text=True)
    assert not sessions.actions(db, session_round.round_id)

    tool = app.extensions["selfscan.library"].catalogue.tools[0]
    resp = client.post(url, data=_action_data(page, tool_id=tool.id,
                                              item_id=q.structure["connection"][0]))
    assert resp.status_code == 303
    [added] = sessions.actions(db, session_round.round_id)
    assert (added.what, added.who, added.due.isoformat(), added.tool_id) == (
        "Convenant opstellen", "Veilig Thuis", "2026-12-31", tool.id)
    text = text_of(_page(client, f"/c/{token}/werksessie"))
    assert "Convenant opstellen" in text and "31-12-2026" in text


def test_edit_action_with_conflict_and_delete(app, db, session_round):
    token = session_round.coordinator
    first, second = app.test_client(), app.test_client()
    overview = _page(first, f"/c/{token}/werksessie")
    assert first.post(f"/c/{token}/werksessie/acties",
                      data=_action_data(overview)).status_code == 303
    [a] = sessions.actions(db, session_round.round_id)
    url = f"/c/{token}/werksessie/acties/{a.id}"
    page_1, page_2 = _page(first, url), _page(second, url)
    resp = first.post(url, data=_action_data(page_1, status="busy", version="1"))
    assert resp.status_code == 303
    resp = second.post(url, data=_action_data(page_2, status="done", what="Anders",
                                               version="1"))
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Iemand anders heeft deze actie veranderd" in text_of(body)
    assert ">Anders</textarea>" in body and "bezig" in text_of(body)
    stored = sessions.action(db, session_round.round_id, a.id)
    assert (stored.status, stored.what) == ("busy", "Convenant opstellen")

    resp = first.post(url, data=_action_data(page_1, what="", version="2"))
    assert resp.status_code == 400 and "Beschrijf wat er gaat gebeuren" in text_of(
        resp.get_data(as_text=True))

    delete = f"{url}/verwijderen"
    resp = first.post(delete, data={"csrf_token": csrf_of(page_1), "version": "2"})
    assert resp.status_code == 400 and 'id="confirm-error"' in resp.get_data(as_text=True)
    resp = first.post(delete, data={"version": "2", "confirm": "1"})
    assert resp.status_code == 400
    assert sessions.action(db, session_round.round_id, a.id) is not None
    resp = first.post(delete, data={"csrf_token": csrf_of(page_1), "version": "2",
                                    "confirm": "1"})
    assert resp.status_code == 303
    assert sessions.action(db, session_round.round_id, a.id) is None
    # The other tab saves the action that is gone: a conflict, with its input still shown.
    resp = second.post(url, data=_action_data(page_2, what="Nog iets", version="1"))
    assert resp.status_code == 409
    body = text_of(resp.get_data(as_text=True))
    assert "Iemand anders heeft deze actie intussen verwijderd" in body and "Nog iets" in body
    assert not sessions.actions(db, session_round.round_id)


def test_english_pages(client, session_round, q):
    client.set_cookie("selfscan_lang", "en")
    token = session_round.coordinator
    page = _page(client, f"/c/{token}/werksessie")
    assert 'lang="en"' in page or "lang=en" in page
    item_id = _agenda(page)[0]
    item_page = _page(client, f"/c/{token}/werksessie/{item_id}")
    assert q.items[item_id].label("en") in text_of(item_page)


def test_background_save_answers_json_and_conflict(app, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["manpower"][0]
    url = f"/c/{token}/werksessie/{item_id}"
    first, second = app.test_client(), app.test_client()
    page_1, page_2 = _page(first, url), _page(second, url)
    assert "js/session.js" in page_1 and "data-session-autosave" in page_1
    headers = {"X-Requested-With": "fetch"}
    resp = first.post(url, headers=headers, data={
        "csrf_token": csrf_of(page_1), "version": "0", "agreed_level": "2",
        "note": "Bel 06-12345678", "button": "autosave"})
    assert resp.status_code == 200
    assert resp.json["version"] == 1 and resp.json["warnings"]
    resp = second.post(url, headers=headers, data={
        "csrf_token": csrf_of(page_2), "version": "0", "agreed_level": "0", "button": "autosave"})
    assert resp.status_code == 409
    assert resp.json["conflict"]["agreed_level"] == 2 and resp.json["conflict"]["version"] == 1
    resp = second.post(url, headers=headers, data={"version": "1", "agreed_level": "0"})
    assert resp.status_code == 400 and "verlopen" in resp.json["message"]
    resp = second.post(url, headers=headers, data={
        "csrf_token": csrf_of(page_2), "version": "1", "agreed_level": "x"})
    assert resp.status_code == 400 and "agreed_level" in resp.json["errors"]
    assert sessions.agreements(db, session_round.round_id)[item_id].agreed_level == 2


def test_autosave_keeps_a_skipped_item_skipped(client, db, session_round, q):
    token = session_round.coordinator
    item_id = q.structure["embedding"][0]
    url = f"/c/{token}/werksessie/{item_id}"
    page = _page(client, url)
    assert client.post(url, data={"csrf_token": csrf_of(page), "version": "0",
                                  "button": "skip"}).status_code == 303
    resp = client.post(url, headers={"X-Requested-With": "fetch"}, data={
        "csrf_token": csrf_of(page), "version": "1", "note": "later", "button": "autosave"})
    assert resp.status_code == 200
    assert sessions.agreements(db, session_round.round_id)[item_id].skipped
    page = _page(client, url)
    assert client.post(url, data={"csrf_token": csrf_of(page), "version": "2",
                                  "agreed_level": "1"}).status_code == 303
    assert not sessions.agreements(db, session_round.round_id)[item_id].skipped


def test_item_page_shows_medians_only_of_role_groups_the_anonymity_rule_shows(app, client, q):
    item = next(i for d in q.dimensions for i in d.items
                if i.asks("police") and i.asks("veilig-thuis"))
    # Three police officers and three from Veilig Thuis: both groups may be shown.
    people = [("police", lambda items: {i: "3" for i in items})] * 3 + \
        [("veilig-thuis", lambda items: {i: "1" for i in items})] * 3
    handle = make_round(app, people)
    page = _page(client, f"/c/{handle.coordinator}/werksessie/{item.id}")
    medians = text_of(element(page, "role-medians"))
    assert "Politie: 3" in medians and "Veilig Thuis: 1" in medians
    # Two of each: no group reaches the threshold, so there is no split at all.
    few = make_round(app, [("police", lambda items: {i: "2" for i in items})] * 2 +
                     [("veilig-thuis", lambda items: {i: "2" for i in items})] * 2,
                     municipality="GM0344")
    assert 'id="role-medians"' not in _page(client, f"/c/{few.coordinator}/werksessie/{item.id}")


def test_a_role_median_of_fewer_than_three_level_answers_is_not_shown(app, client, q):
    """Attack: a shown group of three where two answer "weet ik niet" would give away the third
    person's answer as the group's median."""
    item = next(i for d in q.dimensions for i in d.items
                if i.asks("police") and i.asks("veilig-thuis"))
    police = [("police", lambda items: {i: "unknown" for i in items})] * 2 + \
        [("police", lambda items: {i: "4" for i in items})]
    others = [("veilig-thuis", lambda items: {i: "1" for i in items})] * 3
    handle = make_round(app, police + others, municipality="GM0518")
    page = _page(client, f"/c/{handle.coordinator}/werksessie/{item.id}")
    medians = text_of(element(page, "role-medians"))
    assert "Veilig Thuis: 1" in medians
    assert "Politie" not in medians
