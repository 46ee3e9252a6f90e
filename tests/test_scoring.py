"""Tests of selfscan.scoring: hand-computed examples and properties, on plain values."""

import math
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfscan.core.scoring import (
    LEVEL_SCORE,
    NOT_APPLICABLE,
    UNKNOWN,
    Answer,
    DimensionScore,
    ItemAggregate,
    aggregate,
    aggregate_item,
    compare,
    parse_answer,
    phase_for,
    quartiles,
    score_respondent,
)

FAST = settings(max_examples=200, deadline=None, database=None)


@dataclass(frozen=True)
class Phase:
    id: str
    from_level: int


# The phases of questionnaire v2 (and of v1 since the bands were corrected), named after levels.
PHASES = (
    Phase("beginnend", 0),
    Phase("in-ontwikkeling", 2),
    Phase("ingericht", 3),
    Phase("geborgd", 4),
)

# The worked example of docs/scoring.md: two dimensions, three respondents.
STRUCTURE = {
    "connection": (
        "connection-platform",
        "connection-domains",
        "connection-case-meeting",
        "connection-moving",
    ),
    "manpower": ("manpower-director", "manpower-leerplicht"),
}
ANNA = {
    "connection-platform": 1,
    "connection-domains": 2,
    "connection-case-meeting": 3,
    "connection-moving": UNKNOWN,
    "manpower-director": 1,
    "manpower-leerplicht": 0,
}
BRAM = {
    "connection-platform": 2,
    "connection-domains": 2,
    "connection-case-meeting": 4,
    "connection-moving": NOT_APPLICABLE,
    "manpower-director": 1,
    "manpower-leerplicht": 1,
}
CHRIS = {  # leaves connection-moving open
    "connection-platform": 0,
    "connection-domains": 4,
    "connection-case-meeting": 3,
    "manpower-director": UNKNOWN,
    "manpower-leerplicht": 2,
}


# --- answers and phases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("4", 4),
        ("unknown", UNKNOWN),
        ("na", NOT_APPLICABLE),
    ],
)
def test_parse_answer_accepts_the_seven_answers(raw: str, expected: Answer) -> None:
    assert parse_answer(raw) == expected
    assert type(parse_answer(raw)) is type(expected)


@pytest.mark.parametrize("raw", ["", "5", "-1", " 3", "3.0", "Unknown", "NA", "weet ik niet", "01"])
def test_parse_answer_rejects_everything_else(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(raw)


def test_parse_answer_rejects_non_strings() -> None:
    with pytest.raises(ValueError):
        parse_answer(3)  # type: ignore[arg-type]


def test_level_score() -> None:
    assert dict(LEVEL_SCORE) == {0: 0, 1: 25, 2: 50, 3: 75, 4: 100}


@pytest.mark.parametrize(
    ("score", "phase"),
    [
        (None, None),
        (0.0, "beginnend"),
        (25.0, "beginnend"),  # every item "Ad hoc"
        (37.5, "beginnend"),  # exactly between levels 1 and 2: ties go down
        (37.6, "in-ontwikkeling"),
        (50.0, "in-ontwikkeling"),  # every item "In ontwikkeling": not "Ingericht"
        (62.5, "in-ontwikkeling"),
        (62.6, "ingericht"),
        (75.0, "ingericht"),  # every item "Ingericht": not "Geborgd"
        (87.5, "ingericht"),
        (87.6, "geborgd"),
        (100.0, "geborgd"),
    ],
)
def test_phase_for(score: float | None, phase: str | None) -> None:
    assert phase_for(score, PHASES) == phase


def test_phase_for_does_not_depend_on_phase_order() -> None:
    assert phase_for(37.5, reversed(PHASES)) == "beginnend"
    assert phase_for(70.0, reversed(PHASES)) == "ingericht"


@given(st.floats(0, 100))
@FAST
def test_no_phase_above_the_rounded_mean_level(score: float) -> None:
    """The phase's level is never above the mean level rounded half down."""
    level = {p.id: p.from_level for p in PHASES}[phase_for(score, PHASES) or ""]
    mean_level = score / LEVEL_SCORE[1]
    assert level <= max(1, math.ceil(mean_level - 0.5))
    assert level == 0 or level - 0.5 < mean_level


def test_phase_for_without_phases() -> None:
    assert phase_for(50.0, ()) is None


# --- one respondent ----------------------------------------------------------------------------


def test_score_respondent_worked_example() -> None:
    result = score_respondent(STRUCTURE, ANNA, PHASES)
    assert result.dimensions["connection"] == DimensionScore(
        dimension_id="connection",
        score=50.0,  # (25 + 50 + 75) / 3; the unknown item is left out, not counted as 0
        answered=3,
        unknown=1,
        not_applicable=0,
        unanswered=0,
        total=4,
        coverage=0.75,
        phase_id="in-ontwikkeling",
    )
    assert result.dimensions["manpower"].score == 12.5
    assert result.dimensions["manpower"].phase_id == "beginnend"
    assert result.overall == 31.25
    assert result.overall_phase == "beginnend"


def test_score_respondent_counts_na_and_unanswered() -> None:
    result = score_respondent(STRUCTURE, CHRIS, PHASES)
    connection = result.dimensions["connection"]
    assert (connection.answered, connection.unknown, connection.not_applicable) == (3, 0, 0)
    assert connection.unanswered == 1
    assert connection.score == pytest.approx(175 / 3)
    manpower = result.dimensions["manpower"]
    assert (manpower.score, manpower.answered, manpower.unknown, manpower.coverage) == (
        50,
        1,
        1,
        0.5,
    )
    assert list(result.dimensions) == ["connection", "manpower"]


def test_score_respondent_without_levels_has_no_score() -> None:
    answers = {"manpower-director": UNKNOWN, "manpower-leerplicht": NOT_APPLICABLE}
    result = score_respondent(STRUCTURE, answers, PHASES)
    assert result.dimensions["manpower"].score is None
    assert result.dimensions["manpower"].phase_id is None
    assert result.dimensions["manpower"].coverage == 0.0
    assert result.dimensions["connection"].unanswered == 4
    assert result.overall is None
    assert result.overall_phase is None


def test_overall_is_unweighted_mean_of_dimensions_with_a_score() -> None:
    # connection has 4 items, manpower 2: the overall does not weigh by item count.
    answers = {"connection-platform": 4, "connection-domains": 4, "manpower-director": 0}
    result = score_respondent(STRUCTURE, answers, PHASES)
    assert result.overall == 50.0
    only_one = score_respondent(STRUCTURE, {"connection-platform": 3}, PHASES)
    assert only_one.overall == 75.0  # 1 of 2 dimensions is enough: all but one


FIVE = {f"d{n}": (f"d{n}-a", f"d{n}-b") for n in range(5)}


def test_overall_needs_four_of_five_dimensions() -> None:
    three = {"d0-a": 4, "d1-a": 4, "d2-a": 4, "d3-a": "unknown", "d4-b": "na"}
    result = score_respondent(FIVE, three, PHASES)
    assert [d for d, s in result.dimensions.items() if s.score is None] == ["d3", "d4"]
    assert result.overall is None and result.overall_phase is None
    four = score_respondent(FIVE, {**three, "d3-b": 0}, PHASES)
    assert four.overall == 75.0 and four.overall_phase == "ingericht"
    # The same rule holds for a round.
    assert aggregate(FIVE, [three], PHASES).overall is None
    assert aggregate(FIVE, [three, {"d3-a": 2}], PHASES).overall == pytest.approx(87.5)


def test_score_respondent_ignores_unknown_item_ids() -> None:
    with_extra = {**ANNA, "not-an-item": 0, "other": "nonsense"}
    assert score_respondent(STRUCTURE, with_extra, PHASES) == score_respondent(
        STRUCTURE, ANNA, PHASES
    )


@pytest.mark.parametrize("bad", [5, -1, True, "3", "maybe", 2.0])
def test_score_respondent_rejects_bad_answers(bad: object) -> None:
    with pytest.raises(ValueError):
        score_respondent(STRUCTURE, {"connection-platform": bad}, PHASES)  # type: ignore[dict-item]


def test_empty_dimension_has_zero_coverage() -> None:
    result = score_respondent({"empty": ()}, {}, PHASES)
    assert result.dimensions["empty"].coverage == 0.0
    assert result.dimensions["empty"].score is None


# --- a round -----------------------------------------------------------------------------------


def test_aggregate_worked_example_items() -> None:
    result = aggregate(STRUCTURE, [ANNA, BRAM, CHRIS], PHASES)
    platform, domains, case, moving = result.dimensions["connection"].items
    assert platform == ItemAggregate(
        item_id="connection-platform",
        median=1.0,
        q1=0.5,
        q3=1.5,
        min_level=0,
        max_level=2,
        spread=2,
        respondents=3,
        unknown=0,
        not_applicable=0,
        distribution=(1, 1, 1, 0, 0),
        disagree=True,
        score=25.0,
    )
    assert (domains.median, domains.q1, domains.q3, domains.spread) == (2.0, 2.0, 3.0, 2)
    assert domains.distribution == (0, 0, 2, 0, 1)
    assert domains.disagree is True
    assert (case.median, case.score, case.spread, case.disagree) == (3.0, 75.0, 1, False)
    assert case.q1 == 3.0 and case.q3 == 3.5
    assert moving == ItemAggregate(
        "connection-moving",
        None,
        None,
        None,
        None,
        None,
        None,
        0,
        1,
        1,
        (0, 0, 0, 0, 0),
        False,
        None,
    )


def test_aggregate_worked_example_dimensions() -> None:
    result = aggregate(STRUCTURE, [ANNA, BRAM, CHRIS], PHASES)
    connection = result.dimensions["connection"]
    assert connection.score == 50.0  # mean of 25, 50, 75; connection-moving has no median
    assert connection.coverage == 0.75
    assert connection.respondents == 3
    assert connection.unknown_share == pytest.approx(1 / 11)  # 9 levels + 1 unknown + 1 na
    # Own scores 50, 66.67, 58.33: population standard deviation sqrt(138.89 / 3).
    assert connection.disagreement == pytest.approx(math.sqrt((2 * (25 / 3) ** 2) / 3))
    assert connection.disagreement == pytest.approx(6.804, abs=1e-3)
    assert connection.disagree is True  # through the items, not the standard deviation
    assert connection.phase_id == "in-ontwikkeling"  # mean level 2

    manpower = result.dimensions["manpower"]
    assert manpower.score == 25.0
    assert manpower.respondents == 3
    assert manpower.unknown_share == pytest.approx(1 / 6)
    assert manpower.disagreement == pytest.approx(15.590, abs=1e-3)
    assert manpower.phase_id == "beginnend"  # mean level 1

    assert result.overall == 37.5
    assert result.overall_phase == "beginnend"  # mean level 1.5, exactly between: ties go down
    assert result.respondents == 3


def test_aggregate_dimension_disagree_by_standard_deviation_alone() -> None:
    structure = {"d": ("d-a", "d-b")}
    # No item has two levels, yet the respondents' own scores are 0 and 100: deviation 50.
    d = aggregate(structure, [{"d-a": 0}, {"d-b": 4}], PHASES).dimensions["d"]
    assert not any(item.disagree for item in d.items)
    assert d.disagreement == 50.0
    assert d.disagree is True
    assert d.score == 50.0


def test_aggregate_dimension_agreement() -> None:
    structure = {"d": ("d-a", "d-b")}
    # Spreads of 1 and own scores 12.5 and 37.5: deviation 12.5, below 20.
    d = aggregate(structure, [{"d-a": 0, "d-b": 1}, {"d-a": 1, "d-b": 2}], PHASES).dimensions["d"]
    assert d.disagreement == 12.5
    assert d.disagree is False
    # Own scores 0, 25, 0: sqrt(((25/3)**2 * 2 + (50/3)**2) / 3) = 11.785...
    d = aggregate(structure, [{"d-a": 0, "d-b": 0}, {"d-a": 1, "d-b": 1}, {"d-a": 0}], PHASES)
    assert d.dimensions["d"].disagreement == pytest.approx(11.7851, abs=1e-4)
    # One item spread of 2 is enough, whatever the deviation (own scores 0 and 37.5: 18.75).
    d = aggregate(structure, [{"d-a": 0, "d-b": 0}, {"d-a": 1, "d-b": 2}], PHASES).dimensions["d"]
    assert d.disagreement == 18.75
    assert d.disagree is True


def test_aggregate_disagreement_needs_two_respondents_with_a_score() -> None:
    result = aggregate(STRUCTURE, [ANNA, {"connection-platform": UNKNOWN}], PHASES)
    assert result.dimensions["connection"].disagreement is None
    assert result.dimensions["connection"].respondents == 1
    assert result.respondents == 2  # everyone passed in counts for the round


def test_aggregate_without_respondents() -> None:
    result = aggregate(STRUCTURE, [], PHASES)
    assert result.overall is None and result.respondents == 0
    connection = result.dimensions["connection"]
    assert (connection.score, connection.coverage, connection.unknown_share) == (None, 0.0, 0.0)
    assert connection.disagree is False


def test_aggregate_even_number_of_levels() -> None:
    item = aggregate_item("x", [1, 2, 4, 0, None, UNKNOWN])
    assert item.median == 1.5
    assert item.score == 37.5
    assert (item.q1, item.q3) == (0.75, 2.5)  # inclusive method on 0, 1, 2, 4
    assert item.respondents == 4 and item.unknown == 1


def test_quartiles() -> None:
    assert quartiles([3]) == (3.0, 3.0)
    assert quartiles([0, 4]) == (1.0, 3.0)
    assert quartiles([0, 1, 2, 3, 4]) == (1.0, 3.0)
    with pytest.raises(ValueError):
        quartiles([])


def test_compare() -> None:
    current = {"a": 50.0, "b": None, "c": 75.0, "new": 10.0}
    previous = {"a": 37.5, "b": 20.0, "c": 80.0, "dropped": 5.0}
    assert compare(current, previous) == {"a": 12.5, "b": None, "c": -5.0}
    assert compare({}, previous) == {}


# --- properties ------------------------------------------------------------------------------

ANSWER = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, 4, UNKNOWN, NOT_APPLICABLE]))


@st.composite
def structures(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    return {f"d{d}": tuple(f"d{d}-i{i}" for i in range(size)) for d, size in enumerate(sizes)}


def all_items(structure: dict[str, tuple[str, ...]]) -> list[str]:
    return [item for items in structure.values() for item in items]


@st.composite
def answer_sets(draw: st.DrawFn, structure: dict[str, tuple[str, ...]]) -> dict[str, Answer]:
    drawn = {item: draw(ANSWER) for item in all_items(structure)}
    return {item: answer for item, answer in drawn.items() if answer is not None}


@st.composite
def scans(draw: st.DrawFn) -> tuple[dict[str, tuple[str, ...]], dict[str, Answer]]:
    structure = draw(structures())
    return structure, draw(answer_sets(structure))


@st.composite
def rounds(draw: st.DrawFn) -> tuple[dict[str, tuple[str, ...]], list[dict[str, Answer]]]:
    structure = draw(structures())
    return structure, draw(st.lists(answer_sets(structure), max_size=6))


def in_range(value: float | None, low: float, high: float) -> bool:
    return value is None or low <= value <= high


@FAST
@given(scans())
def test_respondent_scores_stay_within_0_and_100(scan) -> None:
    structure, answers = scan
    result = score_respondent(structure, answers, PHASES)
    assert in_range(result.overall, 0, 100)
    for d in result.dimensions.values():
        assert in_range(d.score, 0, 100)
        assert 0 <= d.coverage <= 1
        assert d.answered + d.unknown + d.not_applicable + d.unanswered == d.total
        assert (d.score is None) == (d.answered == 0)
        assert d.phase_id == phase_for(d.score, PHASES)
        assert (d.phase_id is None) == (d.score is None)  # the phases cover 0..100


@FAST
@given(rounds())
def test_round_scores_stay_within_range(round_) -> None:
    structure, respondents = round_
    result = aggregate(structure, respondents, PHASES)
    assert in_range(result.overall, 0, 100)
    assert result.respondents == len(respondents)
    for d in result.dimensions.values():
        assert in_range(d.score, 0, 100)
        assert 0 <= d.coverage <= 1 and 0 <= d.unknown_share <= 1
        assert in_range(d.disagreement, 0, 50)
        assert d.respondents <= len(respondents)
        for item in d.items:
            for value in (item.median, item.q1, item.q3, item.min_level, item.max_level):
                assert in_range(value, 0, 4)
            if item.median is not None:
                assert item.min_level <= item.q1 <= item.median <= item.q3 <= item.max_level
            assert in_range(item.score, 0, 100)
            assert sum(item.distribution) == item.respondents
            assert item.respondents + item.unknown + item.not_applicable <= len(respondents)


@FAST
@given(scans(), st.data())
def test_raising_one_answer_never_lowers_dimension_or_overall(scan, data) -> None:
    structure, answers = scan
    raisable = [item for item, answer in answers.items() if answer in (0, 1, 2, 3)]
    if not raisable:
        return
    item = data.draw(st.sampled_from(raisable))
    higher = {**answers, item: data.draw(st.integers(answers[item] + 1, 4))}
    before = score_respondent(structure, answers, PHASES)
    after = score_respondent(structure, higher, PHASES)
    dimension = next(d for d, items in structure.items() if item in items)
    assert after.dimensions[dimension].score > before.dimensions[dimension].score
    # Raising a level never changes which dimensions have a score, so both have an overall or
    # neither has (four-of-five rule).
    assert (after.overall is None) == (before.overall is None)
    assert before.overall is None or after.overall > before.overall
    for other in structure:
        if other != dimension:
            assert after.dimensions[other] == before.dimensions[other]


@FAST
@given(rounds(), st.data())
def test_raising_one_answer_never_lowers_the_round(round_, data) -> None:
    structure, respondents = round_
    spots = [
        (i, item) for i, r in enumerate(respondents) for item, a in r.items() if a in (0, 1, 2, 3)
    ]
    if not spots:
        return
    index, item = data.draw(st.sampled_from(spots))
    changed = list(respondents)
    changed[index] = {
        **respondents[index],
        item: data.draw(st.integers(respondents[index][item] + 1, 4)),
    }
    before = aggregate(structure, respondents, PHASES)
    after = aggregate(structure, changed, PHASES)
    dimension = next(d for d, items in structure.items() if item in items)
    assert after.dimensions[dimension].score >= before.dimensions[dimension].score
    assert (after.overall is None) == (before.overall is None)
    assert before.overall is None or after.overall >= before.overall


@FAST
@given(scans(), st.data(), st.sampled_from([UNKNOWN, NOT_APPLICABLE]))
def test_unknown_or_na_in_place_of_no_answer_changes_no_score(scan, data, marker) -> None:
    structure, answers = scan
    open_items = [item for item in all_items(structure) if item not in answers]
    if not open_items:
        return
    item = data.draw(st.sampled_from(open_items))
    before = score_respondent(structure, answers, PHASES)
    marked = score_respondent(structure, {**answers, item: marker}, PHASES)
    zero = score_respondent(structure, {**answers, item: 0}, PHASES)
    dimension = next(d for d, items in structure.items() if item in items)
    assert marked.dimensions[dimension].score == before.dimensions[dimension].score
    assert marked.overall == before.overall
    # Never lower than answering 0 (which is a real answer and may pull the score down).
    if zero.dimensions[dimension].score is not None and before.dimensions[dimension].score:
        assert marked.dimensions[dimension].score > zero.dimensions[dimension].score
    assert (marked.dimensions[dimension].score or 0) >= zero.dimensions[dimension].score
    # A real 0 may give a dimension its first score and so an overall score; "weet ik niet" never
    # does, and where both have an overall score the marked one is not lower.
    assert marked.overall is None or zero.overall is None or marked.overall >= zero.overall
    # Only the counts tell the difference.
    counted = marked.dimensions[dimension]
    assert counted.unanswered == before.dimensions[dimension].unanswered - 1
    assert counted.unknown + counted.not_applicable == (
        before.dimensions[dimension].unknown + before.dimensions[dimension].not_applicable + 1
    )


@FAST
@given(rounds(), st.data(), st.sampled_from([UNKNOWN, NOT_APPLICABLE]))
def test_unknown_or_na_in_place_of_no_answer_changes_no_round_score(round_, data, marker) -> None:
    structure, respondents = round_
    spots = [
        (i, item)
        for i, r in enumerate(respondents)
        for item in all_items(structure)
        if item not in r
    ]
    if not spots:
        return
    index, item = data.draw(st.sampled_from(spots))
    marked = list(respondents)
    marked[index] = {**respondents[index], item: marker}
    before = aggregate(structure, respondents, PHASES)
    after = aggregate(structure, marked, PHASES)
    for dimension_id, d in before.dimensions.items():
        assert after.dimensions[dimension_id].score == d.score
        assert after.dimensions[dimension_id].disagreement == d.disagreement
        assert after.dimensions[dimension_id].coverage == d.coverage
    assert after.overall == before.overall


@FAST
@given(rounds(), st.randoms(use_true_random=False))
def test_order_of_respondents_does_not_matter(round_, rng) -> None:
    structure, respondents = round_
    shuffled = list(respondents)
    rng.shuffle(shuffled)
    assert aggregate(structure, shuffled, PHASES) == aggregate(structure, respondents, PHASES)


@FAST
@given(scans())
def test_aggregate_of_one_respondent_equals_its_own_score(scan) -> None:
    structure, answers = scan
    own = score_respondent(structure, answers, PHASES)
    round_ = aggregate(structure, [answers], PHASES)
    assert round_.overall == own.overall
    assert round_.overall_phase == own.overall_phase
    for dimension_id, d in own.dimensions.items():
        r = round_.dimensions[dimension_id]
        assert (r.score, r.coverage, r.phase_id) == (d.score, d.coverage, d.phase_id)
        assert r.respondents == (1 if d.answered else 0)
        assert r.disagreement is None
        for item in r.items:
            answer = answers.get(item.item_id)
            expected = LEVEL_SCORE[answer] if answer in LEVEL_SCORE else None
            assert item.score == expected
            assert item.spread in (0, None) and not item.disagree


@FAST
@given(st.dictionaries(st.text(max_size=3), st.one_of(st.none(), st.floats(0, 100))), st.data())
def test_compare_is_current_minus_previous_on_shared_keys(current, data) -> None:
    previous = data.draw(
        st.dictionaries(st.text(max_size=3), st.one_of(st.none(), st.floats(0, 100)))
    )
    changes = compare(current, previous)
    assert set(changes) == set(current) & set(previous)
    for key, change in changes.items():
        if current[key] is None or previous[key] is None:
            assert change is None
        else:
            assert change == current[key] - previous[key]


def test_dataclasses_are_frozen() -> None:
    result = score_respondent(STRUCTURE, ANNA, PHASES)
    with pytest.raises(AttributeError):
        result.overall = 0.0  # type: ignore[misc]
    assert replace(result.dimensions["connection"], score=1.0).score == 1.0
