"""The summary at the top of the results page (core.results.summarise) and how the page shows it."""

from __future__ import annotations

import re
from typing import Any

from factories import current, make_round
from pages import element, text_of

from selfscan.core import results as core


def _dimension(id_: str, score: float | None, phase: str = "Opbouwfase") -> core.DimensionView:
    return core.DimensionView(
        id=id_, title=id_.title(), description="", score=score, phase_name=phase,
        phase_description="", respondents=3, coverage=1.0, unknown_share=0.0, disagreement=None,
        disagree=False, items=[], strongest=[], weakest=[], disagree_items=[])


def _reason(label: str) -> core.ReasonView:
    return core.ReasonView(item_id=label, label=label, level=1.0, level_name="Ad hoc")


def _advice(id_: str, labels: list[str], *, sides: bool = False) -> core.DimensionAdvice:
    return core.DimensionAdvice(id_, id_.title(), 40.0, [], core.Discussion(
        [_reason(label) for label in labels], respondents=not sides, sides=sides))


def test_strongest_and_weakest_dimension_by_score() -> None:
    dims = [_dimension("a", 40.0), _dimension("b", 75.0, "Ingericht"), _dimension("c", 20.0),
            _dimension("d", None)]
    s = core.summarise(dims, [], [])
    assert s.strongest == core.DimensionMention("b", "B", 75.0, "Ingericht")
    assert s.weakest is not None and s.weakest.id == "c"
    assert s.disagreements == () and s.more_disagreements == 0 and s.first_steps == ()


def test_no_strongest_or_weakest_when_nothing_stands_out() -> None:
    assert core.summarise([_dimension("a", 50.0), _dimension("b", 50.0)], [], []).strongest is None
    one = core.summarise([_dimension("a", 50.0), _dimension("b", None)], [], [])
    assert one.strongest is None and one.weakest is None


def test_a_tie_names_the_first_in_questionnaire_order() -> None:
    s = core.summarise([_dimension("a", 30.0), _dimension("b", 80.0), _dimension("c", 30.0),
                        _dimension("d", 80.0)], [], [])
    assert (s.strongest.id, s.weakest.id) == ("b", "a")  # type: ignore[union-attr]


def test_disagreements_follow_the_advice_and_are_cut_short() -> None:
    advice = [_advice("weak", ["x1", "x2", "x3", "x4"]), _advice("mid", ["y1"], sides=True),
              core.DimensionAdvice("calm", "Calm", 60.0, [], None),
              _advice("third", ["z1", "z2"]), _advice("fourth", ["w1"]), _advice("fifth", ["v1"])]
    s = core.summarise([], advice, [])
    assert [d.dimension_id for d in s.disagreements] == ["weak", "mid", "third"]
    first = s.disagreements[0]
    assert first.labels == ("x1", "x2") and first.more == 2
    assert s.disagreements[1].sides and not s.disagreements[1].respondents
    assert s.disagreements[2].more == 0
    assert s.more_disagreements == 2  # fourth and fifth are counted, not named


def test_first_steps_are_passed_through() -> None:
    tool = core.ToolView("t", "Tool", "CCV", "https://example.org", False, "", [])
    assert core.summarise([], [], [tool]).first_steps == (tool,)


def test_the_view_summarises_itself(app: Any) -> None:
    from selfscan.web.results import results_view

    handle = make_round(app, [("police", "0"), ("police", "4"), ("veilig-thuis", "2")])
    with app.test_request_context():
        from selfscan.storage import rounds
        from selfscan.web import helpers as web

        view = results_view(rounds.round_by_id(web.get_db(), handle.round_id))
    assert view is not None
    s = view.summary
    # Every item has answers 0, 2 and 4: far apart everywhere, so every dimension is discussed.
    assert len(s.disagreements) == core.SUMMARY_DIMENSIONS
    assert s.more_disagreements == len(view.dimensions) - core.SUMMARY_DIMENSIONS
    assert all(len(d.labels) <= core.SUMMARY_LABELS for d in s.disagreements)
    assert list(s.first_steps) == view.first_steps


def test_the_page_leads_with_the_summary(app: Any, client: Any) -> None:
    q = current(app)
    knowledge = [i.id for i in q.dimension("knowledge").items]
    token = make_round(app, [(role, {"*": "2", **dict.fromkeys(knowledge, "4")})
                             for role in ("police", "police", "police")]).coordinator
    page = client.get(f"/c/{token}/uitkomsten").get_data(as_text=True)
    summary = text_of(element(page, "samenvatting"))
    assert re.search(r"Sterkste onderdeel Doorontwikkeling van kennis ?: score 100,0", summary)
    assert "Fase: " in summary
    # The summary comes before the radar and the in-page menu leads to the details.
    assert page.index('id="samenvatting"') < page.index('id="radar"')
    assert 'aria-label="Op deze pagina"' in page
    # Agreement everywhere: nothing to talk through, said in plain words.
    assert "De deelnemers liggen nergens ver uit elkaar." in summary


def test_the_count_of_participants_is_plural_aware(app: Any, client: Any) -> None:
    handle = make_round(app, [("police", "2")] * 3)
    page = client.get(f"/c/{handle.coordinator}/uitkomsten").get_data(as_text=True)
    assert re.search(r'id="respondent-count">3 deelnemers<', page)
    client.set_cookie("selfscan_lang", "en")
    en = client.get(f"/c/{handle.coordinator}/uitkomsten").get_data(as_text=True)
    assert re.search(r'id="respondent-count">3 (respondents|participants)<', en)


def test_the_summary_shows_no_more_than_the_anonymity_rules_allow(app: Any, client: Any) -> None:
    """Two care respondents are too few to show as a side: the summary may say that the
    respondents disagree, never that the care side and the criminal-law side do, and it names
    no side's level."""
    few = make_round(app, [("police", "0")] * 3 + [("veilig-thuis", "4")] * 2).coordinator
    summary = text_of(element(client.get(f"/c/{few}/uitkomsten").get_data(as_text=True),
                              "samenvatting"))
    assert "Bespreek dit eerst samen" in summary
    assert "zorgkant" not in summary and "strafkant" not in summary
    assert "Politie" not in summary and "Veilig Thuis" not in summary
    # With three on each side both sides may be shown, and the summary says they differ.
    both = make_round(app, [("police", "0")] * 3 + [("veilig-thuis", "4")] * 3).coordinator
    summary = text_of(element(client.get(f"/c/{both}/uitkomsten").get_data(as_text=True),
                              "samenvatting"))
    assert "de zorgkant en de strafkant zien dit verschillend" in summary
