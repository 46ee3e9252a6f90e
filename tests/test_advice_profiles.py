"""The advice for typical profiles, on the real current questionnaire (v3) and catalogue, order written out.

These pin down what a municipality is told first. When the catalogue or the questionnaire
changes, read the new order as a CCV adviser would before updating a list here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from selfscan.core import recommend, scoring
from selfscan.loading import load_folder

LIBRARY = load_folder(Path(__file__).resolve().parent.parent / "questionnaires")
Q = LIBRARY.current
ITEMS = [i for d in Q.dimensions for i in d.items]


def answers(level: int, **per_dimension: int) -> dict[str, scoring.Answer]:
    return {i.id: per_dimension.get(i.dimension_id, level) for i in ITEMS}


def advice(*respondents: dict[str, scoring.Answer]) -> recommend.Recommendations:
    agg = scoring.aggregate(Q.structure, respondents, Q.phases)
    return recommend.recommend(agg, LIBRARY.catalogue.tools, child_safety=Q.child_safety_items)


def order(result: recommend.Recommendations) -> dict[str, list[str]]:
    return {d.dimension_id: [r.tool_id for r in d.recommendations] for d in result.dimensions}


def discussed(result: recommend.Recommendations) -> dict[str, list[str]]:
    return {d.dimension_id: [r.item_id for r in d.discuss.reasons]
            for d in result.dimensions if d.discuss is not None}


def test_questionnaire_v3_is_current_and_marks_child_safety() -> None:
    assert Q.version == 3
    assert Q.child_safety_items == {
        "connection-child-safety", "connection-child-police", "knowledge-exploitation-signals",
        "knowledge-child-marriage"}


def test_weak_on_staffing_only() -> None:
    result = advice(answers(3, manpower=0))
    assert order(result) == {
        "manpower": ["kennisfundament-politieacademie", "wisselgeld-nieuwegein",
                     "ccv-samenwerken-partners"],
        "connection": [], "embedding": [], "knowledge": [], "governance": []}
    assert [r.tool_id for r in result.first] == order(result)["manpower"]
    assert discussed(result) == {} and result.uncovered_items == ()
    assert not result.offer_coaching  # overall 60


def test_weak_everywhere_puts_childrens_safety_first() -> None:
    result = advice(answers(0))
    assert order(result) == {
        "connection": ["landelijk-knooppunt-huwelijksdwang", "meldcode-afwegingskader",
                       "politie-minderjarigen-veilig-thuis"],
        "manpower": ["kennisfundament-politieacademie", "wisselgeld-nieuwegein",
                     "ccv-samenwerken-partners"],
        "embedding": ["oogst-proeftuinen", "ccv-integrale-werkwijze", "ingrado-kennisbank"],
        "knowledge": ["handreiking-kindhuwelijken", "basisniveau-mensenhandel",
                      "ccv-integrale-werkwijze"],
        "governance": ["kernbeleid-veiligheid", "landelijk-platform-strategisch-beraad",
                       "basisniveau-mensenhandel"]}
    # Every first step serves a children's-safety item.
    assert [r.tool_id for r in result.first] == [
        "handreiking-kindhuwelijken", "landelijk-knooppunt-huwelijksdwang",
        "meldcode-afwegingskader"]
    assert all(r.tier == recommend.CHILD_SAFETY for r in result.first)
    # The child-safety items all lead to a tool; none is left under "ook aandacht nodig".
    uncovered = {r.item_id for r in result.uncovered_items}
    assert not uncovered & Q.child_safety_items
    assert result.offer_coaching
    # No home page among the links any more, and no tool twice in one dimension.
    tools = {t.id: t for t in LIBRARY.catalogue.tools}
    assert not any(tools[r.tool_id].url_is_home for d in result.dimensions
                   for r in d.recommendations)


def test_strong_everywhere_gets_no_tools() -> None:
    result = advice(answers(4))
    assert order(result) == {d.id: [] for d in Q.dimensions}
    assert result.first == () and result.uncovered_items == () and discussed(result) == {}
    assert not result.offer_coaching


def test_all_at_level_two() -> None:
    result = advice(answers(2))
    assert order(result) == {
        "connection": ["ccv-interventies", "meldcode-afwegingskader",
                       "politie-minderjarigen-veilig-thuis"],
        "manpower": ["ingrado-kennisbank", "kennisfundament-politieacademie",
                     "roma-aan-zet-enschede"],
        "embedding": ["ccv-integrale-werkwijze", "zvh-modelconvenant-privacyprotocol",
                      "vng-zorg-en-veiligheidshuizen"],
        "knowledge": ["handreiking-kindhuwelijken", "landelijk-knooppunt-huwelijksdwang",
                      "wegwijzer-signaleren-mensenhandel"],
        "governance": ["basisniveau-mensenhandel", "kernbeleid-veiligheid"]}
    assert [r.tool_id for r in result.first] == [
        "ccv-interventies", "handreiking-kindhuwelijken", "landelijk-knooppunt-huwelijksdwang"]
    assert result.uncovered_items == () and discussed(result) == {}
    assert not result.offer_coaching  # exactly 50 is not below 50


def test_split_zero_four_is_discussed_first_everywhere() -> None:
    result = advice(answers(0), answers(4))
    # Same medians as everyone at 2, so the same tools, but every dimension is discussed first
    # and names every item (children's safety first).
    assert order(result) == order(advice(answers(2)))
    talks = discussed(result)
    assert list(talks) == [d.id for d in Q.dimensions]
    assert talks["connection"][:2] == ["connection-child-safety", "connection-child-police"]
    assert all(len(talks[d.id]) == len(d.items) for d in Q.dimensions)
    assert all(d.discuss is not None and d.discuss.respondents and not d.discuss.sides
               for d in result.dimensions)


def test_staffing_median_one_and_a_half_is_served() -> None:
    result = advice(answers(3, manpower=1), answers(3, manpower=2))
    assert order(result)["manpower"] == [
        "kennisfundament-politieacademie", "wisselgeld-nieuwegein", "ccv-samenwerken-partners"]
    reasons = result.dimensions[0].recommendations[0].reasons
    assert [(r.item_id, r.level, r.tier) for r in reasons] == [
        ("manpower-director", 1.5, recommend.LEVEL_1),
        ("manpower-coordinator", 1.5, recommend.LEVEL_1),
        ("manpower-experience", 1.5, recommend.LEVEL_1)]
    assert result.uncovered_items == ()


@pytest.mark.parametrize("level", [0, 2, 4])
def test_one_respondent_is_never_a_disagreement(level: int) -> None:
    result = advice(answers(level))
    assert discussed(result) == {}
    assert order(result) == order(advice(answers(level), answers(level)))
