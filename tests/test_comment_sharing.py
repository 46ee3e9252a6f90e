"""Sharing a comment with the working session: the respondent's opt-in box per dimension, how a
page submit carries it, and that the session shows only the comments their writers shared."""

from __future__ import annotations

import pytest
from factories import make_round, varied
from pages import csrf_of, text_of
from werkzeug.datastructures import MultiDict

from selfscan.core import answers as pages
from selfscan.storage import rounds

SHARE_LABEL = "Mijn toelichting mag zonder mijn naam getoond worden in de werksessie"


def _dimension_page(q):
    return next(s for s in pages.steps_of(q) if s.kind == "dimension")


def test_parse_page_reads_the_share_box_and_its_absence(q):
    step = _dimension_page(q)
    dim = step.dimension.id
    ticked = pages.parse_page(q, step, MultiDict({f"comment-{dim}": "Tekst", f"share-{dim}": "1"}))
    assert ticked.comments == {dim: "Tekst"} and ticked.shares == {dim: True}
    # A browser sends nothing for an unticked box: with the comment field there, that is "no".
    unticked = pages.parse_page(q, step, MultiDict({f"comment-{dim}": "Tekst"}))
    assert unticked.shares == {dim: False}
    # Without the comment field (an older page, a save of answers only) the choice is left alone.
    assert pages.parse_page(q, step, MultiDict()).shares == {}
    # A comment that is too long is not saved, and neither is its choice.
    long = pages.parse_page(q, step, MultiDict({f"comment-{dim}": "x" * (pages.COMMENT_MAX + 1),
                                                f"share-{dim}": "1"}))
    assert long.shares == {} and f"comment-{dim}" in long.errors
    # No honest form sends another value, or a box of another page.
    with pytest.raises(pages.PageRefused):
        pages.parse_page(q, step, MultiDict({f"comment-{dim}": "", f"share-{dim}": "ja"}))
    other = next(d.id for d in q.dimensions if d.id != dim)
    with pytest.raises(pages.PageRefused):
        pages.parse_page(q, step, MultiDict({f"share-{other}": "1"}))
    with pytest.raises(pages.PageRefused):
        pages.parse_page(q, pages.steps_of(q)[0], MultiDict({f"share-{dim}": "1"}))


def _post_comment(client, q, resume: str, text: str, share: bool):
    url = f"/r/{resume}/stap/2"
    page = client.get(url).get_data(as_text=True)
    dim = q.dimensions[0].id
    assert SHARE_LABEL in text_of(page)
    data = {"csrf_token": csrf_of(page), "version": f"{q.id}:{q.version}", "action": "save",
            f"comment-{dim}": text}
    if share:
        data[f"share-{dim}"] = "1"
    assert client.post(url, data=data).status_code == 303
    return client.get(url).get_data(as_text=True)


def test_session_shows_shared_comments_only(app, client, db, q):
    handle = make_round(app, varied(6), submitted=0, closed=False)
    (first, first_resume), (second, second_resume) = handle.respondents[:2]
    dim = q.dimensions[0].id
    page = _post_comment(client, q, first_resume, "Dit mag iedereen lezen", share=True)
    assert f'name="share-{dim}" value="1" checked' in page
    page = _post_comment(client, q, second_resume, "Dit blijft binnenshuis", share=False)
    assert f'name="share-{dim}" value="1">' in page  # shown unticked
    assert rounds.shares_of(db, first) == {dim: True}
    assert rounds.shares_of(db, second) == {dim: False}
    for respondent_id, _resume in handle.respondents:
        rounds.submit_respondent(db, respondent_id, handle.round_id)
    rounds.close_round(db, handle.round_id, q)
    item_id = q.dimensions[0].items[0].id
    resp = client.get(f"/c/{handle.coordinator}/werksessie/{item_id}")
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    assert "Dit mag iedereen lezen" in text and "Dit blijft binnenshuis" not in text
    assert "Alleen toelichtingen die deelnemers wilden delen staan hier." in text
