"""The footer: "Inloggen CCV" for visitors; the dashboard and signing out for a signed-in CCV user."""

from __future__ import annotations

import re

from factories import make_user, sign_in
from pages import csrf_of


def _footer(page: str) -> str:
    match = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S)
    assert match is not None
    return match.group(0)


def test_a_visitor_is_offered_the_sign_in(client):
    footer = _footer(client.get("/").text)
    assert 'href="/ccv/inloggen"' in footer and "Inloggen CCV" in footer
    assert "Uitloggen" not in footer and 'href="/ccv"' not in footer


def test_a_signed_in_user_gets_the_dashboard_and_sign_out_instead(app, client):
    make_user(app)
    sign_in(client)
    for path in ("/", "/privacy", "/ccv"):
        footer = _footer(client.get(path).text)
        assert "Inloggen CCV" not in footer and 'href="/ccv/inloggen"' not in footer, path
        assert 'href="/ccv">CCV-dashboard</a>' in footer, path
        assert 'action="/ccv/uitloggen"' in footer and "Uitloggen" in footer, path


def test_signing_out_from_the_footer_works(app, client):
    make_user(app)
    sign_in(client)
    footer = _footer(client.get("/").text)
    response = client.post("/ccv/uitloggen", data={"csrf_token": csrf_of(footer)})
    assert response.status_code == 303
    assert client.get("/ccv").status_code == 302
    assert "Inloggen CCV" in _footer(client.get("/").text)
