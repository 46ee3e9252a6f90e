"""Downloads of a round without results: an explanation page with 409, never a file.

Until enough respondents have submitted there is nothing to export; a browser or a script that
asks for `uitkomsten.csv` or `rapport.pdf` gets the "no results yet" page as HTML with status 409
(Conflict: the file does not exist in this state of the round) and no download file name."""

from __future__ import annotations

import pytest
from factories import make_round

from selfscan.storage import readonly_links

DOWNLOADS = ("/uitkomsten/rapport.pdf", "/uitkomsten.csv", "/uitkomsten.json", "/uitkomsten.xlsx",
             "/actieplan.csv", "/actieplan.json", "/antwoorden.csv", "/antwoorden.json",
             "/antwoorden.csv?toelichting=1")


def _is_the_explanation(response) -> str:
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "Nog geen uitkomsten" in page
    assert 'id="provisional-rule"' in page  # why: the rule of three submissions
    assert 'id="no-download"' in page
    return page


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_download_without_submissions_is_a_409_page(app, client, path):
    token = make_round(app, [], closed=False).coordinator
    page = _is_the_explanation(client.get(f"/c/{token}{path}"))
    assert "Nu hebben 0 deelnemers ingediend" in page
    assert f'href="/c/{token}"' in page  # the way back to the coordinator page


def test_a_download_below_the_threshold_is_a_409_page(app, client, q):
    token = make_round(app, [("police", "3"), ("police", "1")], closed=False,
                       questionnaire=q).coordinator
    for path in DOWNLOADS:
        page = _is_the_explanation(client.get(f"/c/{token}{path}"))
        assert "Nu hebben 2 deelnemers ingediend" in page


def test_the_results_page_itself_stays_a_200_page(app, client):
    token = make_round(app, [], closed=False).coordinator
    for path in ("/uitkomsten", "/uitkomsten/rapport"):
        response = client.get(f"/c/{token}{path}")
        assert response.status_code == 200
        assert 'id="provisional-rule"' in response.get_data(as_text=True)
        assert 'id="no-download"' not in response.get_data(as_text=True)


def test_the_readonly_pdf_without_results_is_a_409_page(app, client, db):
    handle = make_round(app, [], closed=False)
    link = readonly_links.create_or_replace(db, handle.round_id)
    page = _is_the_explanation(client.get(f"/l/{link}/rapport.pdf"))
    assert f"/c/{handle.coordinator}" not in page  # no way to the coordinator's pages
    assert client.get(f"/l/{link}").status_code == 200


def test_the_english_page_says_the_same(app, client):
    token = make_round(app, [], closed=False).coordinator
    client.get("/taal/en")
    response = client.get(f"/c/{token}/uitkomsten.csv")
    assert response.status_code == 409 and "Content-Disposition" not in response.headers


def test_downloads_with_results_are_still_files(app, client, q):
    token = make_round(app, [("police", "3")] * 3, questionnaire=q).coordinator
    response = client.get(f"/c/{token}/uitkomsten.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith('.csv"')
