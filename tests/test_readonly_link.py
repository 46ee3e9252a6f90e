"""The read-only results link (/l/<token>): made, replaced and revoked on the coordinator page;
shows the results and nothing that reaches the coordinator's pages or changes the round."""

from __future__ import annotations

import logging
import re

from factories import make_round, varied
from pages import csrf_of, element, nonce_of, text_of

from selfscan.core.tokens import new_token, token_hash
from selfscan.storage import readonly_links
from selfscan.web import helpers as web
from selfscan.web.logs import redact

LINK = re.compile(r'id="readonly-link" type="text" readonly value="[^"]*/l/([A-Za-z0-9_-]{32})"')


def _make_link(client, token: str) -> str:
    """Press 'make a read-only link' on the coordinator page; the link the page shows once."""
    page = client.get(f"/c/{token}").get_data(as_text=True)
    resp = client.post(f"/c/{token}/alleen-lezen",
                       data={"csrf_token": csrf_of(page), "form_nonce": nonce_of(page)})
    assert resp.status_code == 200
    match = LINK.search(resp.get_data(as_text=True))
    assert match, "the page shows the new link"
    return match.group(1)


def test_the_link_shows_the_results_and_nothing_of_the_coordinator(app, client):
    handle = make_round(app, varied(6))
    coordinator = handle.coordinator
    page = client.get(f"/c/{coordinator}").get_data(as_text=True)
    assert 'id="alleen-lezen"' in page and "Maak een alleen-lezen link" in page
    link = _make_link(client, coordinator)
    with app.app_context():
        db = web.get_db()
        assert readonly_links.has_link(db, handle.round_id)
        stored = db.execute("SELECT readonly_token_hash FROM rounds WHERE id = ?",
                            [handle.round_id]).fetchone()[0]
        assert stored == token_hash(link)  # only the hash is kept

    reader = app.test_client()  # someone else: no session, no cookie
    resp = reader.get(f"/l/{link}")
    assert resp.status_code == 200
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in resp.headers  # no session needed
    shown = resp.get_data(as_text=True)
    coordinator_page = client.get(f"/c/{coordinator}/uitkomsten").get_data(as_text=True)
    for dim in ("connection", "manpower", "embedding", "knowledge", "governance"):
        score = re.search(rf'data-dimension="{dim}">([0-9,]+)<', coordinator_page).group(1)
        assert f'data-dimension="{dim}">{score}<' in shown
    assert "Uitkomsten van Amsterdam" in text_of(shown)
    assert coordinator not in shown
    assert "/c/" not in shown
    for absent in ("coördinatiepagina", "nieuwe-ronde", "sluiten", "verwijderen", "csrf_token",
                   "<form", "antwoorden.", "toelichting", "uitkomsten.csv"):
        assert absent not in shown, absent
    assert f"/l/{link}/rapport" in shown and f"/l/{link}/rapport.pdf" in shown

    report = reader.get(f"/l/{link}/rapport")
    assert report.status_code == 200
    body = report.get_data(as_text=True)
    assert coordinator not in body and "/c/" not in body and f'href="/l/{link}"' in body
    pdf = reader.get(f"/l/{link}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_coordinator_page_stays_closed_to_the_link(app, client):
    link = _make_link(client, make_round(app, varied(6)).coordinator)
    reader = app.test_client()
    for path in (f"/c/{link}", f"/c/{link}/uitkomsten", f"/c/{link}/uitkomsten.csv",
                 f"/c/{link}/antwoorden.csv", f"/l/{link}/uitkomsten.csv",
                 f"/l/{link}/antwoorden.csv"):
        assert reader.get(path).status_code == 404, path


def test_replacing_stops_the_old_link(app, client):
    coordinator = make_round(app, varied(6)).coordinator
    old = _make_link(client, coordinator)
    page = client.get(f"/c/{coordinator}").get_data(as_text=True)
    assert "Maak een nieuwe alleen-lezen link" in page
    assert old not in page  # shown once, never again
    new = _make_link(client, coordinator)
    assert new != old
    assert client.get(f"/l/{old}").status_code == 404
    assert client.get(f"/l/{old}/rapport").status_code == 404
    assert client.get(f"/l/{new}").status_code == 200


def test_a_double_submit_shows_the_same_link(app, client):
    coordinator = make_round(app, varied(6)).coordinator
    page = client.get(f"/c/{coordinator}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "form_nonce": nonce_of(page)}
    first = LINK.search(client.post(f"/c/{coordinator}/alleen-lezen", data=data)
                        .get_data(as_text=True)).group(1)
    second = LINK.search(client.post(f"/c/{coordinator}/alleen-lezen", data=data)
                         .get_data(as_text=True)).group(1)
    assert first == second
    assert client.get(f"/l/{first}").status_code == 200


def test_revoking_stops_the_link(app, client):
    handle = make_round(app, varied(6))
    link = _make_link(client, handle.coordinator)
    page = client.get(f"/c/{handle.coordinator}").get_data(as_text=True)
    assert "Trek de alleen-lezen link in" in page
    resp = client.post(f"/c/{handle.coordinator}/alleen-lezen/intrekken",
                       data={"csrf_token": csrf_of(page)})
    assert resp.status_code == 303
    assert client.get(f"/l/{link}").status_code == 404
    assert "Pagina niet gevonden" in client.get(f"/l/{link}").get_data(as_text=True)
    with app.app_context():
        assert not readonly_links.has_link(web.get_db(), handle.round_id)
    page = client.get(f"/c/{handle.coordinator}").get_data(as_text=True)
    assert "Trek de alleen-lezen link in" not in page


def test_the_forms_need_csrf(app, client):
    handle = make_round(app, varied(6))
    client.get(f"/c/{handle.coordinator}")
    assert client.post(f"/c/{handle.coordinator}/alleen-lezen").status_code == 400
    link = _make_link(client, handle.coordinator)
    assert client.post(f"/c/{handle.coordinator}/alleen-lezen/intrekken").status_code == 400
    with app.app_context():
        assert readonly_links.round_by_readonly(web.get_db(), link)["id"] == handle.round_id


def test_writing_to_the_link_changes_nothing(app, client):
    handle = make_round(app, varied(6), closed=False)
    link = _make_link(client, handle.coordinator)
    reader = app.test_client()
    for method in ("post", "put", "delete", "patch"):
        for path in (f"/l/{link}", f"/l/{link}/rapport", f"/l/{link}/sluiten",
                     f"/l/{link}/verwijderen", f"/l/{link}/nieuwe-ronde"):
            assert getattr(reader, method)(path).status_code in (400, 404, 405), (method, path)
    with app.app_context():
        r = readonly_links.round_by_readonly(web.get_db(), link)
        assert r is not None and r["status"] == "open"
        assert web.get_db().execute("SELECT count(*) FROM rounds").fetchone()[0] == 1


def test_unknown_and_malformed_links_are_404(app, client):
    for token in (new_token(), "x" * 43, "short"):
        for path in ("", "/rapport", "/rapport.pdf"):
            assert client.get(f"/l/{token}{path}").status_code == 404
    with app.app_context():
        assert readonly_links.round_by_readonly(web.get_db(), "not a token") is None


def test_no_link_before_there_are_results(app, client):
    handle = make_round(app, [("police", "1")], closed=False)
    page = client.get(f"/c/{handle.coordinator}").get_data(as_text=True)
    assert 'id="alleen-lezen"' not in page
    resp = client.post(f"/c/{handle.coordinator}/alleen-lezen",
                       data={"csrf_token": csrf_of(page), "form_nonce": new_token()})
    assert resp.status_code == 303
    with app.app_context():
        assert not readonly_links.has_link(web.get_db(), handle.round_id)


def test_the_token_is_redacted_in_logs(app, client, caplog):
    link = _make_link(client, make_round(app, varied(6)).coordinator)
    assert link not in redact(f'"GET /l/{link}/rapport HTTP/1.1" 200')
    assert link not in redact(f"/taal/en?next=%2Fl%2F{link}")
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('"%s" %s %s', f"GET /l/{link} HTTP/1.1", "200", "-")
    client.get(f"/l/{new_token()}")
    assert caplog.records
    assert all(link not in record.getMessage() for record in caplog.records)


def test_english(app, client):
    coordinator = make_round(app, varied(6)).coordinator
    client.set_cookie("selfscan_lang", "en")
    page = client.get(f"/c/{coordinator}").get_data(as_text=True)
    assert "Read-only link" in text_of(element(page, "alleen-lezen"))
    link = _make_link(client, coordinator)
    reader = app.test_client()
    reader.set_cookie("selfscan_lang", "en")
    shown = reader.get(f"/l/{link}").get_data(as_text=True)
    assert '<html lang="en">' in shown
    assert "Local and national connection" in text_of(shown)
    assert "read-only link" in text_of(element(shown, "readonly-notice"))
