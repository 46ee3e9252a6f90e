"""Only real, confirmed rounds count beyond their municipality: the coordinator's address is
confirmed through a mailed link; the same address can ask for new secret links."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from factories import db_snapshot
from mailserver import link, links
from pages import csrf_of, nonce_of, text_of

from selfscan.core import tokens
from selfscan.storage import approvals, coaching_list
from selfscan.storage import db as dbmod


@pytest.fixture
def app(new_app, inbox):
    return new_app(**inbox.config)


def _row(app, sql, *params):
    conn = dbmod.connect(app.config["DATABASE"])
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.conn.close()


def _run(app, sql, *params):
    conn = dbmod.connect(app.config["DATABASE"])
    try:
        conn.execute(sql, params)
    finally:
        conn.conn.close()


def _start(client, **extra):
    html = client.get("/start").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "municipality": "GM0228",
            "year": str(date.today().year), **extra}
    return client.post("/start", data=data)


def _started(client, **extra) -> str:
    response = _start(client, **extra)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("?")[0]


def _confirm(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})


@pytest.mark.parametrize("box", ["benchmark_consent", "coaching"])
def test_a_round_that_counts_beyond_its_municipality_needs_a_work_address(app, client, box):
    before = db_snapshot(app.config["DATABASE"])
    response = _start(client, **{box: "y", "name": "Nulmeting"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Er is iets niet goed ingevuld" in body and 'href="#contact_email"' in body
    assert "Werk-e-mailadres: vul uw werk-e-mailadres in" in body
    assert 'aria-invalid="true"' in body
    # Nothing is lost: the choices are still there, and nothing was made.
    assert 'value="Nulmeting"' in body and 'value="GM0228" selected' in body
    assert 'name="' + box + '" value="y" checked' in body
    assert db_snapshot(app.config["DATABASE"]) == before


def test_an_invalid_address_names_the_field(client):
    response = _start(client, benchmark_consent="y", contact_email="niet-een-adres")
    assert response.status_code == 400
    assert "Werk-e-mailadres: vul een geldig e-mailadres in" in response.get_data(
        as_text=True)


def test_without_consent_or_coaching_no_address_is_kept_and_no_mail_sent(app, client, inbox):
    coordinator = _started(client, contact_email="iemand@ede.example")
    assert _row(app, "SELECT contact_email, approval FROM rounds") == (None, "none")
    assert inbox.messages == []
    text = text_of(client.get(coordinator).get_data(as_text=True))
    assert "Deze ronde telt alleen voor uw eigen gemeente." in text


def test_the_confirmation_flow(app, client, inbox):
    coordinator = _started(client, benchmark_consent="y", contact_email="Coord@Ede.example")
    # Until confirmed the round works for its municipality but counts nowhere else.
    assert _row(app, "SELECT approval, email_confirmed_at, contact_email FROM rounds") == (
        "none", None, "coord@ede.example")
    page = text_of(client.get(coordinator).get_data(as_text=True))
    assert "E-mailadres niet bevestigd" in page
    [message] = inbox.to("coord@ede.example")
    path = link(message, "bevestig")
    token = path.rsplit("/", 1)[1]
    assert token not in "\n".join(db_snapshot(app.config["DATABASE"]))
    assert _row(app, "SELECT count(*) FROM email_confirmations WHERE token_hash = ?",
                tokens.token_hash(token)) == (1,)

    # Whoever opens the link sees a page with a button; a GET changes nothing.
    other = app.test_client()
    shown = other.get(path)
    assert "coord@ede.example" in text_of(shown.get_data(as_text=True))
    assert _row(app, "SELECT approval FROM rounds") == ("none",)
    # A post without the form's CSRF token changes nothing either.
    assert other.post(path, data={}).status_code == 400
    assert _row(app, "SELECT approval, email_confirmed_at FROM rounds") == ("none", None)

    done = _confirm(other, path)
    assert done.status_code == 303
    assert "bevestigd" in text_of(other.get(done.headers["Location"]).get_data(as_text=True))
    approval, confirmed, changed = _row(
        app, "SELECT approval, email_confirmed_at, approval_changed_at FROM rounds")
    assert approval == "pending" and confirmed and changed
    page = text_of(client.get(coordinator).get_data(as_text=True))
    assert "Wacht op goedkeuring door het CCV" in page
    # Confirming again is harmless and does not undo a decision.
    _run(app, "UPDATE rounds SET approval = 'rejected'")
    assert "al bevestigd" in text_of(other.get(path).get_data(as_text=True))
    other.post(path, data={"csrf_token": csrf_of(shown.get_data(as_text=True))})
    assert _row(app, "SELECT approval FROM rounds") == ("rejected",)
    assert "Afgewezen" in text_of(client.get(coordinator).get_data(as_text=True))


def test_unknown_or_expired_confirmation_links_are_not_found(app, client, inbox):
    assert client.get("/bevestig/" + tokens.new_token()).status_code == 404
    assert client.get("/bevestig/kort").status_code == 404
    _started(client, coaching="y", contact_email="coord@ede.example")
    path = link(inbox.messages[0], "bevestig")
    _run(app, "UPDATE email_confirmations SET created_at = '2000-01-01T00:00:00.000000Z'")
    assert client.get(path).status_code == 404
    assert client.post(path, data={}).status_code in (400, 404)
    assert _row(app, "SELECT approval, email_confirmed_at FROM rounds") == ("none", None)


def test_a_strangers_unconfirmed_round_is_never_pending_or_approved(app, client, inbox):
    coordinator = _started(client, benchmark_consent="y", coaching="y",
                           contact_email="slachtoffer@ede.example")
    # The stranger holds the coordinator link but not the mailbox: another address gets a new
    # link, the first link stops, and nothing counts until someone confirms.
    page = client.get(coordinator).get_data(as_text=True)
    client.post(coordinator + "/e-mailadres", data={"csrf_token": csrf_of(page),
                                                    "contact_email": "ik@nep.example"})
    first = link(inbox.to("slachtoffer@ede.example")[0], "bevestig")
    assert client.get(first).status_code == 404
    assert _row(app, "SELECT approval, email_confirmed_at FROM rounds") == ("none", None)
    # Coaching list and approval queue do not show it.
    conn = dbmod.connect(app.config["DATABASE"])
    try:
        assert approvals.waiting(conn) == [] and coaching_list.coaching_requests(conn) == []
        assert approvals.decide(conn, 1, "approve") is False
    finally:
        conn.conn.close()
    assert _row(app, "SELECT approval FROM rounds") == ("none",)


def test_the_coordinator_can_correct_the_address(app, client, inbox):
    coordinator = _started(client, benchmark_consent="y", contact_email="tikfout@ede.exampl")
    page = client.get(coordinator).get_data(as_text=True)
    bad = client.post(coordinator + "/e-mailadres", data={"csrf_token": csrf_of(page),
                                                          "contact_email": "nog fout"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'href="#contact_email"' in body
    assert 'value="nog fout"' in body  # what was typed stays
    good = client.post(coordinator + "/e-mailadres", data={"csrf_token": csrf_of(page),
                                                           "contact_email": "goed@ede.example"})
    assert good.status_code == 303
    [message] = inbox.to("goed@ede.example")
    _confirm(app.test_client(), link(message, "bevestig"))
    assert _row(app, "SELECT contact_email, approval FROM rounds") == ("goed@ede.example",
                                                                     "pending")


def test_confirmation_links_never_reach_the_log(app, client, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    _started(client, coaching="y", contact_email="coord@ede.example")
    path = link(inbox.messages[0], "bevestig")
    token = path.rsplit("/", 1)[1]
    logging.getLogger("werkzeug").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "-")
    _confirm(client, path)
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]  # not aiosmtpd's own
    assert ours and all(token not in record.getMessage() for record in ours)


# --- new links for a confirmed address -------------------------------------------------------

SAME_ANSWER = "Als dit adres bij een bevestigde ronde hoort, ontvangt u binnen enkele minuten"


def _ask_links(client, address):
    page = client.get("/links-opnieuw").get_data(as_text=True)
    response = client.post("/links-opnieuw", data={"csrf_token": csrf_of(page), "email": address})
    assert response.status_code == 303, response.get_data(as_text=True)
    return text_of(client.get(response.headers["Location"]).get_data(as_text=True))


def _invitation(client, coordinator):
    html = client.get(coordinator).get_data(as_text=True)
    url = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', html).group(1)
    return url.replace("http://localhost", "")


def test_a_confirmed_address_gets_new_links_and_the_old_ones_stop(app, client, inbox):
    coordinator = _started(client, benchmark_consent="y", contact_email="coord@ede.example")
    old_invitation = _invitation(client, coordinator)
    _confirm(client, link(inbox.messages[0], "bevestig"))
    inbox.messages.clear()

    answer = _ask_links(app.test_client(), "COORD@ede.example ")
    assert SAME_ANSWER in answer
    [message] = inbox.to("coord@ede.example")
    [new_coordinator] = set(links(message, "c"))  # once in the Dutch, once in the English text
    [new_invitation] = set(links(message, "i"))
    assert client.get(coordinator).status_code == 404
    assert client.get(old_invitation).status_code == 404
    assert client.get(new_coordinator).status_code == 200
    assert client.get(new_invitation).status_code == 200
    assert _invitation(client, new_coordinator) == new_invitation


def test_the_answer_is_the_same_for_unknown_and_unconfirmed_addresses(app, client, inbox):
    _started(client, benchmark_consent="y", contact_email="onbevestigd@ede.example")
    inbox.messages.clear()
    for address in ("onbevestigd@ede.example", "onbekend@ede.example"):
        assert SAME_ANSWER in _ask_links(app.test_client(), address)
    assert inbox.messages == []


def test_a_bad_address_gets_a_clear_message(client):
    page = client.get("/links-opnieuw").get_data(as_text=True)
    response = client.post("/links-opnieuw", data={"csrf_token": csrf_of(page), "email": "ab"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'href="#email"' in body
    assert "Vul bij &#39;E-mailadres&#39; een geldig e-mailadres in" in body
    assert 'value="ab"' in body
    empty = client.post("/links-opnieuw", data={"csrf_token": csrf_of(page), "email": ""})
    assert empty.status_code == 400
    expired = client.post("/links-opnieuw", data={"email": "a@b.example"})
    assert expired.status_code == 400 and "formulier was verlopen" in expired.get_data(as_text=True)


# --- rate limits -------------------------------------------------------------------------------


def test_starting_rounds_is_rate_limited_per_address(new_app):
    app = new_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    for _n in range(5):
        _started(client)
    refused = _start(client)
    body = text_of(refused.get_data(as_text=True))
    assert refused.status_code == 429
    assert "Er zijn vanaf dit adres in korte tijd veel rondes gestart." in body
    assert "Probeer het opnieuw na" in body and int(refused.headers["Retry-After"]) > 0
    assert _row(app, "SELECT count(*) FROM rounds") == (5,)
    # Another address may still start a round.
    html = client.get("/start").get_data(as_text=True)
    other = client.post("/start", data={
        "csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "municipality": "GM0228",
        "year": str(date.today().year)}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 303


def test_asking_for_links_is_rate_limited(new_app, inbox):
    app = new_app(RATELIMIT_ENABLED=True, **inbox.config)
    client = app.test_client()
    for n in range(5):
        assert SAME_ANSWER in _ask_links(client, f"iemand{n}@ede.example")
    page = client.get("/links-opnieuw").get_data(as_text=True)
    refused = client.post("/links-opnieuw", data={"csrf_token": csrf_of(page),
                                                  "email": "nog@ede.example"})
    assert refused.status_code == 429
    assert "Probeer het opnieuw na" in text_of(refused.get_data(as_text=True))


def test_one_address_is_not_flooded_with_links(new_app, inbox):
    app = new_app(RATELIMIT_ENABLED=True, **inbox.config)
    client = app.test_client()
    coordinator = _started(client, coaching="y", contact_email="coord@ede.example")
    _confirm(client, link(inbox.messages[0], "bevestig"))
    inbox.messages.clear()
    for n in range(5):
        answer = _ask_links(app.test_client(), "coord@ede.example") if n < 4 else None
        if answer is not None:
            assert SAME_ANSWER in answer
    assert len(inbox.messages) == 3  # "3 per hour" per address; the page answered the same
    assert client.get(coordinator).status_code == 404
