"""The CCV's approval queue and coaching list: only staff decide, with CSRF; the queue shows no
scores; the coaching list shows confirmed requests with their own round's scores."""

from __future__ import annotations

import pytest
from factories import add_respondents, current, make_round, make_user, sign_in, varied
from pages import csrf_of, text_of

from selfscan.storage import contact, rounds
from selfscan.storage import db as dbmod


@pytest.fixture
def conn(app):
    c = dbmod.connect(app.config["DATABASE"])
    yield c
    c.conn.close()


def confirmed_round(app, conn, *, email="coord@ede.example", coaching=False, consent=True,
                    municipality="GM0228", respondents=3, closed=True):
    handle = make_round(app, varied(respondents), municipality=municipality, consent=consent,
                        coaching=coaching, email=email, closed=closed)
    assert contact.confirm(conn, contact.new_confirmation(conn, handle.round_id))
    return handle


def _approval(conn, round_id):
    return conn.execute("SELECT approval FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]


def _staff(app):
    make_user(app)
    client = app.test_client()
    assert sign_in(client).status_code == 303
    return client


def test_only_signed_in_staff_see_and_decide(app, conn):
    handle = confirmed_round(app, conn)
    anonymous = app.test_client()
    page = anonymous.get("/ccv/goedkeuren")
    assert page.status_code == 302 and "/ccv/inloggen" in page.headers["Location"]
    # Even with a valid CSRF token of its own session, a visitor cannot decide.
    token = csrf_of(anonymous.get("/start").get_data(as_text=True))
    refused = anonymous.post(f"/ccv/goedkeuren/{handle.round_id}",
                             data={"csrf_token": token, "decision": "approve"})
    assert refused.status_code == 302 and "/ccv/inloggen" in refused.headers["Location"]
    assert _approval(conn, handle.round_id) == "pending"


def test_a_decision_needs_the_forms_csrf_token(app, conn):
    handle = confirmed_round(app, conn)
    staff = _staff(app)
    page = staff.get("/ccv/goedkeuren").get_data(as_text=True)
    assert staff.post(f"/ccv/goedkeuren/{handle.round_id}",
                      data={"decision": "approve"}).status_code == 400
    assert staff.post(f"/ccv/goedkeuren/{handle.round_id}",
                      data={"decision": "approve", "csrf_token": "vervalst"}).status_code == 400
    assert _approval(conn, handle.round_id) == "pending"
    done = staff.post(f"/ccv/goedkeuren/{handle.round_id}",
                      data={"decision": "approve", "csrf_token": csrf_of(page)})
    assert done.status_code == 303
    assert _approval(conn, handle.round_id) == "approved"
    changed = conn.execute("SELECT approval_changed_at FROM rounds WHERE id = ?",
                           (handle.round_id,)).fetchone()[0]
    assert changed
    kinds = [r[0] for r in conn.execute("SELECT kind FROM events WHERE round_id = ?",
                                        (handle.round_id,))]
    assert "round_approved" in kinds
    text = text_of(staff.get("/ccv/goedkeuren").get_data(as_text=True))
    assert "Er wachten geen rondes op goedkeuring." in text and "Goedgekeurd" in text
    # A decision can be revised.
    staff.post(f"/ccv/goedkeuren/{handle.round_id}",
               data={"decision": "reject", "csrf_token": csrf_of(page)})
    assert _approval(conn, handle.round_id) == "rejected"


def test_an_unknown_decision_is_a_clear_400(app, conn):
    handle = confirmed_round(app, conn)
    staff = _staff(app)
    csrf = csrf_of(staff.get("/ccv/goedkeuren").get_data(as_text=True))
    bad = staff.post(f"/ccv/goedkeuren/{handle.round_id}",
                     data={"decision": "misschien", "csrf_token": csrf})
    assert bad.status_code == 400
    assert "Kies 'Goedkeuren' of 'Afwijzen'" in text_of(bad.get_data(as_text=True))
    assert staff.post("/ccv/goedkeuren/abc", data={"csrf_token": csrf}).status_code == 404
    assert _approval(conn, handle.round_id) == "pending"


def test_an_unconfirmed_round_cannot_be_approved(app, conn):
    stranger = make_round(app, varied(3), municipality="GM0228", consent=True,
                          email="nep@ede.example")
    staff = _staff(app)
    page = staff.get("/ccv/goedkeuren").get_data(as_text=True)
    assert "nep@ede.example" not in page
    response = staff.post(f"/ccv/goedkeuren/{stranger.round_id}",
                          data={"decision": "approve", "csrf_token": csrf_of(page)},
                          follow_redirects=True)
    assert "kan niet worden beoordeeld" in text_of(response.get_data(as_text=True))
    assert _approval(conn, stranger.round_id) == "none"


def test_the_queue_shows_who_and_when_never_scores(app, conn):
    handle = confirmed_round(app, conn, respondents=4)
    score = conn.execute("SELECT overall_score FROM rounds WHERE id = ?",
                         (handle.round_id,)).fetchone()[0]
    assert score is not None
    page = _staff(app).get("/ccv/goedkeuren").get_data(as_text=True)
    text = text_of(page)
    assert "Súdwest-Fryslân" in text or "Ede" in text
    assert "coord@ede.example" in text
    assert 'class="num"' not in page
    assert f">{score:.1f}<" not in page
    assert "round_scores" not in page and "Totaal" not in text


# --- coaching list -----------------------------------------------------------------------------


def test_coaching_list_has_confirmed_requests_with_their_own_rounds_scores(app, conn):
    # The municipality's earlier round (no coaching, no consent) scored high ...
    make_round(app, [("police", "4")] * 3, municipality="GM0228", consent=False)
    # ... its coaching round scores low, and an unconfirmed request of another municipality.
    asked = confirmed_round(app, conn, coaching=True, consent=False,
                            respondents=0, closed=False)
    add_respondents(app, asked.round_id, [("police", "1")] * 3)
    rounds.close_round(conn, asked.round_id, current(app))
    make_round(app, varied(3), municipality="GM0363", coaching=True, email="nep@a.example")
    staff = _staff(app)
    page = staff.get("/ccv/coaching").get_data(as_text=True)
    text = text_of(page)
    assert "coord@ede.example" in text and "nep@a.example" not in text
    assert "Amsterdam" not in text
    own = conn.execute("SELECT overall_score FROM rounds WHERE id = ?",
                       (asked.round_id,)).fetchone()[0]
    assert own == 25.0
    assert ">25,0<" in page and ">100,0<" not in page


def test_marking_a_coaching_request_handled(app, conn):
    handle = confirmed_round(app, conn, coaching=True)
    staff = _staff(app)
    page = staff.get("/ccv/coaching").get_data(as_text=True)
    url = f"/ccv/coaching/{handle.round_id}/afgehandeld"
    assert url in page
    assert staff.post(url, data={}).status_code == 400  # no CSRF token
    visitor = app.test_client()
    own = csrf_of(visitor.get("/start").get_data(as_text=True))
    assert visitor.post(url, data={"csrf_token": own}).status_code == 302
    assert conn.execute("SELECT coaching_handled_at FROM rounds").fetchone()[0] is None
    done = staff.post(url, data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "afgehandeld" in text_of(done.get_data(as_text=True))
    assert conn.execute("SELECT coaching_handled_at FROM rounds").fetchone()[0]
    again = staff.post(url, data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "al afgehandeld" in text_of(again.get_data(as_text=True))
