"""Tests of selfscan.recommend: ranking rules on hand-built rounds, and properties."""

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfscan.core.recommend import (
    CHILD_SAFETY,
    LEVEL_0,
    LEVEL_1,
    OTHER,
    DimensionRecommendations,
    Discussion,
    Reason,
    Recommendation,
    Recommendations,
    dimension_order,
    rank_key,
    recommend,
    serves,
    triggers,
)
from selfscan.core.scoring import NOT_APPLICABLE, UNKNOWN, Answer, RoundAggregate, aggregate

FAST = settings(max_examples=200, deadline=None, database=None)


@dataclass(frozen=True)
class Phase:
    id: str
    from_level: int


@dataclass(frozen=True)
class Tool:
    id: str
    dimensions: tuple[str, ...]
    relevant_when: tuple[tuple[str, int], ...]


PHASES = (Phase("laag", 0), Phase("hoog", 2))


def round_of(structure: dict[str, tuple[str, ...]], *respondents: dict[str, Answer]):
    return aggregate(structure, respondents, PHASES)


# The worked example of docs/scoring.md (same answers as in test_scoring.py).
STRUCTURE = {
    "connection": (
        "connection-platform",
        "connection-domains",
        "connection-case-meeting",
        "connection-moving",
    ),
    "manpower": ("manpower-director", "manpower-leerplicht"),
}
EXAMPLE = round_of(
    STRUCTURE,
    {
        "connection-platform": 1,
        "connection-domains": 2,
        "connection-case-meeting": 3,
        "connection-moving": UNKNOWN,
        "manpower-director": 1,
        "manpower-leerplicht": 0,
    },
    {
        "connection-platform": 2,
        "connection-domains": 2,
        "connection-case-meeting": 4,
        "connection-moving": NOT_APPLICABLE,
        "manpower-director": 1,
        "manpower-leerplicht": 1,
    },
    {
        "connection-platform": 0,
        "connection-domains": 4,
        "connection-case-meeting": 3,
        "manpower-director": UNKNOWN,
        "manpower-leerplicht": 2,
    },
)
CATALOGUE = (
    Tool(
        "samenwerken-met-partners",
        ("connection",),
        (("connection-platform", 1), ("connection-domains", 2)),
    ),
    Tool("landelijk-platform", ("connection", "governance"), (("connection-platform", 1),)),
    Tool("barrieremodel", ("connection",), (("connection-case-meeting", 2),)),
    Tool("interventies", ("knowledge", "manpower"), (("manpower-leerplicht", 1),)),
    Tool(
        "voorbeeldprojecten",
        ("manpower", "knowledge"),
        (("manpower-director", 1), ("manpower-leerplicht", 1)),
    ),
    Tool("ccv-coaching", ("embedding", "governance"), (("manpower-director", 4),)),
)


def ids(recommendations: Recommendations) -> dict[str, list[str]]:
    return {
        d.dimension_id: [r.tool_id for r in d.recommendations] for d in recommendations.dimensions
    }


def test_worked_example() -> None:
    assert EXAMPLE.dimensions["manpower"].score == 25.0
    assert EXAMPLE.dimensions["connection"].score == 50.0
    result = recommend(EXAMPLE, CATALOGUE)
    voorbeeld = Recommendation(
        "voorbeeldprojecten", "manpower",
        (Reason("manpower-director", 1.0, LEVEL_1), Reason("manpower-leerplicht", 1.0, LEVEL_1)))
    interventies = Recommendation(
        "interventies", "manpower", (Reason("manpower-leerplicht", 1.0, LEVEL_1),))
    samenwerken = Recommendation(
        "samenwerken-met-partners", "connection",
        (Reason("connection-platform", 1.0, LEVEL_1), Reason("connection-domains", 2.0, OTHER)))
    platform = Recommendation(
        "landelijk-platform", "connection", (Reason("connection-platform", 1.0, LEVEL_1),))
    assert result == Recommendations(
        dimensions=(
            DimensionRecommendations("manpower", 25.0, None, (voorbeeld, interventies)),
            DimensionRecommendations("connection", 50.0, None, (samenwerken, platform)),
        ),
        # Both serve two items from level 1; the tool id decides between them.
        first=(samenwerken, voorbeeld, interventies),
        uncovered_items=(),
        offer_coaching=True,  # overall 37.5 < 50
    )


def test_limit_per_dimension_and_uncovered_items() -> None:
    result = recommend(EXAMPLE, CATALOGUE, per_dimension=1)
    assert ids(result) == {
        "manpower": ["voorbeeldprojecten"],
        "connection": ["samenwerken-met-partners"],
    }
    assert result.uncovered_items == ()
    # Without the tool that names manpower-director, coaching fills that gap (rule 5) ...
    fewer = tuple(t for t in CATALOGUE if t.id != "voorbeeldprojecten")
    result = recommend(EXAMPLE, fewer, per_dimension=2)
    # Ranked like a tool: both serve one item at level 1, so the id decides.
    assert ids(result) == {"manpower": ["ccv-coaching", "interventies"],
                           "connection": ["samenwerken-met-partners", "landelijk-platform"]}
    # ... and without coaching the item is still reported as needing attention.
    bare = tuple(t for t in fewer if t.id != "ccv-coaching")
    result = recommend(EXAMPLE, bare, per_dimension=1)
    assert result.uncovered_items == (Reason("manpower-director", 1.0),)


def test_per_dimension_zero_reports_every_low_item() -> None:
    result = recommend(EXAMPLE, CATALOGUE, per_dimension=0)
    assert ids(result) == {"manpower": [], "connection": []}
    # Weakest dimension first, then item order; connection-domains (2) is not low enough.
    assert result.uncovered_items == (
        Reason("manpower-director", 1.0),
        Reason("manpower-leerplicht", 1.0),
        Reason("connection-platform", 1.0),
    )
    assert result.first == ()
    with pytest.raises(ValueError):
        recommend(EXAMPLE, CATALOGUE, per_dimension=-1)


def test_empty_catalogue() -> None:
    result = recommend(EXAMPLE, ())
    assert ids(result) == {"manpower": [], "connection": []}
    assert len(result.uncovered_items) == 3


def test_dimensions_weakest_first_without_score_last_ties_in_order() -> None:
    structure = {"a": ("a-1",), "b": ("b-1",), "c": ("c-1",), "d": ("d-1",), "e": ("e-1",)}
    round_ = round_of(structure, {"a-1": 3, "b-1": UNKNOWN, "c-1": 1, "d-1": 3, "e-1": 1})
    assert [d.dimension_id for d in dimension_order(round_)] == ["c", "e", "a", "d", "b"]
    result = recommend(round_, ())
    assert [d.dimension_id for d in result.dimensions] == ["c", "e", "a", "d", "b"]
    assert [d.score for d in result.dimensions] == [25.0, 25.0, 75.0, 75.0, None]


@pytest.mark.parametrize(("median", "max_level", "served"), [
    (1.0, 1, True), (1.5, 1, True), (2.0, 1, False), (0.5, 0, True), (1.0, 0, False),
    (2.5, 2, True), (3.0, 2, False), (4.0, 4, True)])
def test_a_rule_serves_medians_up_to_the_next_level(median: float, max_level: int,
                                                    served: bool) -> None:
    assert serves(median, max_level) is served


def test_a_median_between_levels_is_served_and_needs_attention() -> None:
    structure = {"d": ("d-1",)}
    round_ = round_of(structure, {"d-1": 1}, {"d-1": 2})  # median 1.5
    strict = Tool("strict", ("d",), (("d-1", 1),))
    result = recommend(round_, (strict,))
    assert ids(result) == {"d": ["strict"]}
    assert result.dimensions[0].recommendations[0].reasons == (Reason("d-1", 1.5, LEVEL_1),)
    # Without a tool, 1.5 still counts as needing attention (below level 2).
    assert recommend(round_, ()).uncovered_items == (Reason("d-1", 1.5),)


def test_ranking_child_safety_then_level_0_then_level_1_then_more_items() -> None:
    structure = {"d": ("d-safe", "d-0", "d-1a", "d-1b", "d-3")}
    round_ = round_of(structure, {"d-safe": 2, "d-0": 0, "d-1a": 1, "d-1b": 1, "d-3": 3})
    tools = (
        Tool("many-level-1", ("d",), (("d-1a", 1), ("d-1b", 1), ("d-3", 3))),
        Tool("zz-level-0", ("d",), (("d-0", 0),)),
        Tool("aa-level-0", ("d",), (("d-0", 1),)),
        Tool("child-safety", ("d",), (("d-safe", 2),)),
        Tool("one-level-1", ("d",), (("d-1a", 1),)),
        Tool("level-3", ("d",), (("d-3", 3),)),
        Tool("never", ("d",), (("d-3", 2),)),
    )
    result = recommend(round_, tools, per_dimension=10, child_safety={"d-safe"})
    assert ids(result) == {"d": ["child-safety", "aa-level-0", "zz-level-0", "many-level-1",
                                 "one-level-1", "level-3"]}
    many = result.dimensions[0].recommendations[3]
    assert many.reasons == (Reason("d-1a", 1.0, LEVEL_1), Reason("d-1b", 1.0, LEVEL_1),
                            Reason("d-3", 3.0, OTHER))
    assert rank_key(many) == (LEVEL_1, -3, 1.0, "many-level-1")
    assert result.dimensions[0].recommendations[0].tier == CHILD_SAFETY
    assert ids(recommend(round_, tools, child_safety={"d-safe"})) == {
        "d": ["child-safety", "aa-level-0", "zz-level-0"]}
    # Without the child-safety mark, an item at level 2 ranks last but one.
    assert ids(recommend(round_, tools, per_dimension=10))["d"][-2:] == ["child-safety",
                                                                          "level-3"]


def test_first_steps_span_dimensions_each_tool_once() -> None:
    structure = {"a": ("a-1", "a-2"), "b": ("b-1",)}
    round_ = round_of(structure, {"a-1": 1, "a-2": 1, "b-1": 0})
    tools = (Tool("both", (), (("a-1", 1), ("b-1", 1))), Tool("a-only", (), (("a-2", 1),)),
             Tool("more-a", (), (("a-1", 1), ("a-2", 1))))
    result = recommend(round_, tools)
    assert [r.tool_id for r in result.first] == ["both", "more-a", "a-only"]
    assert [r.dimension_id for r in result.first] == ["b", "a", "a"]


def test_strong_disagreement_is_discussed_first() -> None:
    structure = {"a": ("a-1", "a-2"), "b": ("b-1",)}
    split = round_of(structure, {"a-1": 0, "a-2": 2, "b-1": 2}, {"a-1": 4, "a-2": 2, "b-1": 3})
    result = recommend(split, (Tool("t", (), (("a-1", 2),)),))
    a = next(d for d in result.dimensions if d.dimension_id == "a")
    assert a.discuss == Discussion((Reason("a-1", 2.0, OTHER),), respondents=True, sides=False)
    assert [r.tool_id for r in a.recommendations] == ["t"]  # the tool still follows
    b = next(d for d in result.dimensions if d.dimension_id == "b")
    assert b.discuss is None  # one level apart is ordinary
    # The care and criminal-law sides apart on b-1: discussed although respondents are close.
    sided = recommend(split, (), side_items={"b": ("b-1",)})
    b = next(d for d in sided.dimensions if d.dimension_id == "b")
    assert b.discuss == Discussion((Reason("b-1", 2.5, OTHER),), respondents=False, sides=True)


def test_a_tool_in_several_dimensions_once_each() -> None:
    structure = {"a": ("a-1", "a-2"), "b": ("b-1",)}
    round_ = round_of(structure, {"a-1": 0, "a-2": 1, "b-1": 1})
    both = Tool("both", ("a",), (("a-1", 1), ("a-2", 1), ("b-1", 1), ("a-1", 2)))
    duplicate = Tool("both", ("a",), (("a-1", 4),))
    result = recommend(round_, (both, duplicate, both))
    assert ids(result) == {"a": ["both"], "b": ["both"]}
    a, b = result.dimensions
    # Only the items of its own dimension are reasons; the repeated item counts once.
    assert a.recommendations[0].reasons == (Reason("a-1", 0.0, LEVEL_0),
                                            Reason("a-2", 1.0, LEVEL_1))
    assert b.recommendations[0].reasons == (Reason("b-1", 1.0, LEVEL_1),)


def test_a_repeated_tool_id_counts_once_first_one_wins() -> None:
    round_ = round_of({"a": ("a-1",)}, {"a-1": 2})
    first = Tool("t", ("a",), (("a-1", 1),))
    second = Tool("t", ("a",), (("a-1", 4),))
    assert ids(recommend(round_, (first, second))) == {"a": []}
    assert ids(recommend(round_, (second, first))) == {"a": ["t"]}


def test_item_of_another_dimension_does_not_qualify_a_tool() -> None:
    structure = {"a": ("a-1",), "b": ("b-1",)}
    round_ = round_of(structure, {"a-1": 0, "b-1": 4})
    # The tool lists dimension b, but its evidence is an item of a.
    tool = Tool("t", ("b",), (("a-1", 1),))
    assert ids(recommend(round_, (tool,))) == {"a": ["t"], "b": []}


def test_dimension_without_score_gets_nothing() -> None:
    structure = {"a": ("a-1",), "b": ("b-1",)}
    round_ = round_of(structure, {"a-1": 0, "b-1": UNKNOWN})
    tool = Tool("t", ("a", "b"), (("a-1", 4), ("b-1", 4)))
    result = recommend(round_, (tool,))
    assert result.dimensions[-1] == DimensionRecommendations("b", None, None, ())
    assert triggers(tool, round_.dimensions["b"]) == ()


def test_unknown_tool_items_are_ignored() -> None:
    round_ = round_of({"a": ("a-1",)}, {"a-1": 0})
    tool = Tool("old", ("a",), (("dropped-item", 4),))
    result = recommend(round_, (tool,))
    assert ids(result) == {"a": []}
    assert result.uncovered_items == (Reason("a-1", 0.0),)


def test_coaching_is_ranked_only_where_nothing_else_fits() -> None:
    result = recommend(EXAMPLE, CATALOGUE)
    # manpower-director is served by voorbeeldprojecten, so coaching has no gap to fill.
    assert all(r.tool_id != "ccv-coaching" for d in result.dimensions for r in d.recommendations)
    alone = recommend(EXAMPLE, (CATALOGUE[-1],))
    manpower = alone.dimensions[0]
    assert [r.tool_id for r in manpower.recommendations] == ["ccv-coaching"]
    assert manpower.recommendations[0].reasons == (Reason("manpower-director", 1.0, LEVEL_1),)


@pytest.mark.parametrize(
    ("levels", "below", "requested", "offer"),
    [
        ((1,), 50.0, False, True),  # 25 < 50
        ((2,), 50.0, False, False),  # exactly 50 is not below
        ((2,), 50.0, True, True),
        ((2,), 60.0, False, True),
        ((4,), 50.0, True, True),
        ((UNKNOWN,), 50.0, False, False),  # no score: nothing to say it is low
        ((UNKNOWN,), 50.0, True, True),
    ],
)
def test_offer_coaching(levels: tuple[Answer, ...], below: float, requested: bool, offer: bool):
    round_ = round_of({"d": ("d-1",)}, *({"d-1": level} for level in levels))
    result = recommend(round_, (), coaching_below=below, coaching_requested=requested)
    assert result.offer_coaching is offer


def test_tools_may_be_a_generator() -> None:
    result = recommend(EXAMPLE, (tool for tool in CATALOGUE))
    assert result == recommend(EXAMPLE, CATALOGUE)


# --- properties ------------------------------------------------------------------------------

ANSWER = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, 4, UNKNOWN, NOT_APPLICABLE]))


@st.composite
def cases(draw: st.DrawFn) -> tuple[RoundAggregate, tuple[Tool, ...], int]:
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    structure = {f"d{d}": tuple(f"d{d}-i{i}" for i in range(n)) for d, n in enumerate(sizes)}
    items = [item for its in structure.values() for item in its] + ["gone"]
    respondents = []
    for _ in range(draw(st.integers(0, 4))):
        drawn = {item: draw(ANSWER) for item in items[:-1]}
        respondents.append({k: v for k, v in drawn.items() if v is not None})
    tool_ids = st.sampled_from(["a", "b", "c", "d", "e", "ccv-coaching"])
    rule = st.tuples(st.sampled_from(items), st.integers(0, 4))
    tools = draw(
        st.lists(
            st.builds(Tool, tool_ids, st.just(()), st.lists(rule, max_size=4).map(tuple)),
            max_size=7,
        )
    )
    return aggregate(structure, respondents, PHASES), tuple(tools), draw(st.integers(0, 4))


@FAST
@given(cases(), st.randoms(use_true_random=False))
def test_recommendation_invariants(case, rng) -> None:
    round_, tools, limit = case
    result = recommend(round_, tools, per_dimension=limit)
    scores = [d.score for d in result.dimensions]
    known = [s for s in scores if s is not None]
    assert known == sorted(known)
    assert scores == known + [None] * (len(scores) - len(known))
    assert {d.dimension_id for d in result.dimensions} == set(round_.dimensions)

    first_rule: dict[str, dict[str, list[int]]] = {}
    for tool in tools:
        if tool.id not in first_rule:
            first_rule[tool.id] = {}
            for item, max_level in tool.relevant_when:
                first_rule[tool.id].setdefault(item, []).append(max_level)

    named = set()
    for d in result.dimensions:
        dimension = round_.dimensions[d.dimension_id]
        medians = {i.item_id: i.median for i in dimension.items}
        recs = d.recommendations
        assert len(recs) <= limit
        assert len({r.tool_id for r in recs}) == len(recs)
        assert [rank_key(r) for r in recs] == sorted(rank_key(r) for r in recs)
        if d.score is None:
            assert recs == ()
        for r in recs:
            assert r.dimension_id == d.dimension_id
            assert r.reasons
            for reason in r.reasons:
                assert reason.level == medians[reason.item_id]
                assert serves(reason.level, max(first_rule[r.tool_id][reason.item_id]))
                named.add((d.dimension_id, reason.item_id))
        # A qualifying tool is left out only when the dimension is full.
        shown = {r.tool_id for r in recs}
        for tool_id, rules in first_rule.items():
            qualifies = d.score is not None and any(
                medians.get(item) is not None and serves(medians[item], max(levels))
                for item, levels in rules.items()
            )
            if tool_id != "ccv-coaching" and qualifies and tool_id not in shown:
                assert len(recs) == limit

    low = [
        (d.dimension_id, i.item_id)
        for d in dimension_order(round_)
        for i in d.items
        if i.median is not None and i.median < 2
    ]
    uncovered = [i.item_id for i in result.uncovered_items]
    assert uncovered == [item for dim, item in low if (dim, item) not in named]

    shuffled = list(tools)
    rng.shuffle(shuffled)
    # Shuffling can change which duplicate id comes first, so compare on unique ids only.
    if len({t.id for t in tools}) == len(tools):
        assert recommend(round_, shuffled, per_dimension=limit) == result
