"""The next round of a municipality starts from the plan: the open and busy actions of the previous
round travel into it, its coordinator page lists them with a status form, and a closed round's
coordinator page links to the working session once that page exists."""

from __future__ import annotations

import re
from datetime import date

from factories import make_round, varied
from pages import csrf_of, element, nonce_of, text_of

from selfscan.core.session import ActionInput
from selfscan.storage import rounds, sessions
from selfscan.web import helpers as web

WHATS = {"open": "Convenant actualiseren", "busy": "Scholing meldcode",
         "done": "Overleg opgezet", "dropped": "Folder maken"}


def _previous_round_with_plan(app, q):
    """A closed round with one action in each status; its handle."""
    handle = make_round(app, varied(6))
    dimension = next(iter(q.structure))
    item = q.structure[dimension][0]
    with app.app_context():
        db = web.get_db()
        for status, what in WHATS.items():
            sessions.add_action(db, handle.round_id, ActionInput(
                dimension, item if status == "open" else None, what, "Team Veiligheid",
                date(2027, 3, 31) if status == "open" else None, None, status))
    return handle


def _start_next(client, token):
    page = client.get(f"/c/{token}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "form_nonce": nonce_of(page)}
    resp = client.post(f"/c/{token}/nieuwe-ronde", data=data)
    assert resp.status_code == 303
    return resp, data


def _token_of(location: str) -> str:
    match = re.search(r"/c/([^/?]+)\?nieuw=1$", location)
    assert match
    return match.group(1)


def _carried(app, round_id):
    with app.app_context():
        return [a for a in sessions.actions(web.get_db(), round_id) if a.carried_from is not None]


def _next_round(app, client, q):
    """A previous round with a plan and its follow-up made through the web; (previous, token, id)."""
    previous = _previous_round_with_plan(app, q)
    resp, _data = _start_next(client, previous.coordinator)
    token = _token_of(resp.headers["Location"])
    with app.app_context():
        new = rounds.round_by_coordinator(web.get_db(), token)
    return previous, token, new["id"]


# --- carrying the plan over ----------------------------------------------------------------------


def test_the_follow_up_round_gets_exactly_the_open_and_busy_actions_once(app, client, q):
    previous = _previous_round_with_plan(app, q)
    resp, data = _start_next(client, previous.coordinator)
    again = client.post(f"/c/{previous.coordinator}/nieuwe-ronde", data=data)  # a retry
    assert again.headers["Location"] == resp.headers["Location"]
    token = _token_of(resp.headers["Location"])
    with app.app_context():
        db = web.get_db()
        new = rounds.round_by_coordinator(db, token)
        assert new["previous_round_id"] == previous.round_id
        old = {a.id: a for a in sessions.actions(db, previous.round_id)}
        carried = sessions.actions(db, new["id"])
        assert sorted(a.what for a in carried) == sorted([WHATS["open"], WHATS["busy"]])
        for a in carried:
            source = old[a.carried_from]
            assert (a.status, a.what, a.who, a.due, a.dimension_id, a.item_id) == (
                source.status, source.what, source.who, source.due, source.dimension_id,
                source.item_id)
        # Carrying again (a retried creation, or the storage call repeated) copies nothing.
        assert sessions.carry_over_actions(db, previous.round_id, new["id"]) == 0
        assert len(sessions.actions(db, new["id"])) == 2
        # The previous round's plan stays as it was.
        assert len(sessions.actions(db, previous.round_id)) == 4


def test_create_round_carries_in_the_same_call(app, q):
    previous = _previous_round_with_plan(app, q)
    with app.app_context():
        db = web.get_db()
        round_id, _token = rounds.create_round(
            db, municipality_code="GM0363", questionnaire=q, year=date.today().year,
            previous_round_id=previous.round_id)
        assert {a.status for a in sessions.actions(db, round_id)} == {"open", "busy"}
        # A round that follows nothing starts with an empty plan.
        fresh, _token = rounds.create_round(db, municipality_code="GM0363", questionnaire=q,
                                            year=date.today().year)
        assert sessions.actions(db, fresh) == []


# --- the coordinator page ------------------------------------------------------------------------


def test_the_coordinator_page_lists_the_carried_actions(app, client, q):
    _previous, token, _rid = _next_round(app, client, q)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    section = element(page, "vorige-acties")
    assert section, "the page has the section"
    text = text_of(section)
    assert "Acties uit de vorige ronde" in text
    assert WHATS["open"] in text and WHATS["busy"] in text
    assert WHATS["done"] not in text and WHATS["dropped"] not in text
    assert "Team Veiligheid" in text and "31-03-2027" in text
    assert "Bezig" in text and "Geen datum" in text
    assert section.count("<form") == 2 and section.count('name="csrf_token"') == 2
    assert re.search(r'<label id="action-\d+-status-label" for="action-\d+-status">', section)


def test_no_section_without_carried_actions(app, client):
    page = client.get(f"/c/{make_round(app, varied(6)).coordinator}").get_data(as_text=True)
    assert 'id="vorige-acties"' not in page
    assert "Acties uit de vorige ronde" not in page


def _form_of(app, client, token, round_id, what):
    action = next(a for a in _carried(app, round_id) if a.what == what)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    return action, {"csrf_token": csrf_of(page), "version": str(action.version)}


def test_updating_the_status(app, client, q):
    _previous, token, rid = _next_round(app, client, q)
    action, data = _form_of(app, client, token, rid, WHATS["open"])
    resp = client.post(f"/c/{token}/acties/{action.id}/status", data={**data, "status": "done"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/c/{token}#vorige-acties")
    stored = next(a for a in _carried(app, rid) if a.id == action.id)
    assert stored.status == "done" and stored.version == action.version + 1
    assert (stored.what, stored.who, stored.due) == (action.what, action.who, action.due)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert "De status van de actie is bewaard: Klaar." in text_of(page)
    assert 'data-status="done">Klaar<' in element(page, "vorige-acties")


def test_a_stale_page_gets_409_and_the_stored_value_stays(app, client, q):
    _previous, token, rid = _next_round(app, client, q)
    action, stale = _form_of(app, client, token, rid, WHATS["busy"])
    # Someone else changes it first.
    first = client.post(f"/c/{token}/acties/{action.id}/status",
                        data={**stale, "status": "done"})
    assert first.status_code == 303
    resp = client.post(f"/c/{token}/acties/{action.id}/status",
                       data={**stale, "status": "dropped"})
    assert resp.status_code == 409
    text = text_of(resp.get_data(as_text=True))
    assert "Iemand anders heeft deze actie intussen gewijzigd" in text
    assert "Nu opgeslagen: Klaar" in text and "Uw keuze (Vervallen)" in text
    stored = next(a for a in _carried(app, rid) if a.id == action.id)
    assert stored.status == "done" and stored.version == action.version + 1


def test_a_deleted_action_gets_409(app, client, q, monkeypatch):
    _previous, token, rid = _next_round(app, client, q)
    action, data = _form_of(app, client, token, rid, WHATS["busy"])
    original = sessions.update_action

    def deleted_just_before(db, round_id, action_id, values, expected_version):
        # Someone deletes it between the page's check and the save: the save writes nothing.
        sessions.delete_action(db, round_id, action_id)
        return original(db, round_id, action_id, values, expected_version)

    monkeypatch.setattr(sessions, "update_action", deleted_just_before)
    resp = client.post(f"/c/{token}/acties/{action.id}/status", data={**data, "status": "done"})
    assert resp.status_code == 409
    assert "Deze actie is intussen verwijderd" in text_of(resp.get_data(as_text=True))
    assert _carried(app, rid) and all(a.id != action.id for a in _carried(app, rid))


def test_the_status_form_needs_the_csrf_token(app, client, q):
    _previous, token, rid = _next_round(app, client, q)
    action, data = _form_of(app, client, token, rid, WHATS["open"])
    resp = client.post(f"/c/{token}/acties/{action.id}/status",
                       data={"version": data["version"], "status": "done"})
    assert resp.status_code == 400
    assert next(a for a in _carried(app, rid) if a.id == action.id).status == "open"


def test_a_bad_status_gives_400_with_a_message(app, client, q):
    _previous, token, rid = _next_round(app, client, q)
    action, data = _form_of(app, client, token, rid, WHATS["open"])
    for status in ("klaar!", "", "gedaan"):
        resp = client.post(f"/c/{token}/acties/{action.id}/status",
                           data={**data, "status": status})
        assert resp.status_code == 400
        page = resp.get_data(as_text=True)
        assert "Kies een status: open, bezig, klaar of vervallen." in text_of(page)
        assert f'id="action-{action.id}-status-error"' in page
        assert f'href="#action-{action.id}-status"' in page  # the error summary names the field
    resp = client.post(f"/c/{token}/acties/{action.id}/status",
                       data={"csrf_token": data["csrf_token"], "version": "x", "status": "busy"})
    assert resp.status_code == 400
    assert "Laad de pagina opnieuw" in text_of(resp.get_data(as_text=True))
    stored = next(a for a in _carried(app, rid) if a.id == action.id)
    assert (stored.status, stored.version) == ("open", action.version)


def test_only_carried_actions_of_this_round(app, client, q):
    previous, token, rid = _next_round(app, client, q)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "version": "1", "status": "done"}
    with app.app_context():
        db = web.get_db()
        old = sessions.actions(db, previous.round_id)[0]
        own = sessions.add_action(db, rid, ActionInput(next(iter(q.structure)), None, "Nieuw"))
    for action_id in (old.id, own.id, 999999):
        assert client.post(f"/c/{token}/acties/{action_id}/status",
                           data=data).status_code == 404
    with app.app_context():
        assert sessions.action(web.get_db(), previous.round_id, old.id).status == old.status


# --- the link to the working session -------------------------------------------------------------


def test_no_working_session_link_while_the_page_does_not_exist(app, client):
    app.view_functions.pop("session.overview", None)  # as before the working session lands
    closed = client.get(f"/c/{make_round(app, varied(6)).coordinator}").get_data(as_text=True)
    assert 'id="werksessie"' not in closed and "/werksessie" not in closed


def test_the_working_session_link_is_there_for_a_closed_round_only(new_app):
    app = new_app()
    if "session.overview" not in app.view_functions:
        # Stand-in for the working-session page so the link can be checked before it lands.
        app.add_url_rule("/c/<token>/werksessie", endpoint="session.overview",
                         view_func=lambda token: "werksessie")
    client = app.test_client()
    closed = make_round(app, varied(6)).coordinator
    page = client.get(f"/c/{closed}").get_data(as_text=True)
    assert f'href="/c/{closed}/werksessie"' in page
    assert "Werksessie" in text_of(element(page, "werksessie"))
    still_open = make_round(app, varied(6), closed=False).coordinator
    page = client.get(f"/c/{still_open}").get_data(as_text=True)
    assert "/werksessie" not in page
