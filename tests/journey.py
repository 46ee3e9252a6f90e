"""Helpers that walk the respondent journey through the Flask test client, as a browser would."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pages import csrf_of, nonce_of, version_of


def start_round(client: Any, municipality: str = "GM0363", **extra: str) -> str:
    """Start a round; returns the coordinator path /c/<token>."""
    html = client.get("/start").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html),
            "municipality": municipality, "year": str(date.today().year)}
    data.update(extra)
    response = client.post("/start", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("?")[0]


def invitation_path(client: Any, coordinator: str) -> str:
    html = client.get(coordinator).get_data(as_text=True)
    url = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', html).group(1)
    return url.replace("http://localhost", "")


def join(client: Any, invitation: str, role: str) -> str:
    """Accept an invitation in a role group; returns the resume token."""
    html = client.get(invitation).get_data(as_text=True)
    response = client.post(invitation, data={"csrf_token": csrf_of(html),
                                             "form_nonce": nonce_of(html), "role_group": role})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("/r/")[1].split("/")[0]


def answer_page(client: Any, token: str, number: int, values: dict[str, str],
                action: str = "next", version: str | None = None) -> Any:
    """Post a questionnaire page as its form does: with the version the page itself carries
    (the round's questionnaire version) unless `version` is given."""
    html = client.get(f"/r/{token}/stap/{number}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "version": version or version_of(html),
            "action": action, **values}
    return client.post(f"/r/{token}/stap/{number}", data=data)


def items_on(client: Any, token: str, number: int) -> list[str]:
    """The items on a dimension page: those the respondent's role group is asked, in order."""
    html = client.get(f"/r/{token}/stap/{number}").get_data(as_text=True)
    return re.findall(r'name="item-([a-z0-9-]+)" value="0"', html)


def submit(client: Any, token: str) -> Any:
    html = client.get(f"/r/{token}/stap/7").get_data(as_text=True)
    return client.post(f"/r/{token}/indienen", data={"csrf_token": csrf_of(html)})


def answer_all(client: Any, token: str, level: str, pages: range = range(2, 7)) -> None:
    """Answer every item the respondent is shown (their role's audience) with `level`."""
    for number in pages:
        values = {f"item-{i}": level for i in items_on(client, token, number)}
        assert answer_page(client, token, number, values).status_code == 303


def close(client: Any, coordinator: str) -> Any:
    html = client.get(coordinator).get_data(as_text=True)
    return client.post(coordinator + "/sluiten", data={"csrf_token": csrf_of(html),
                                                       "confirm": "y"})
