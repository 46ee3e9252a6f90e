"""Tests of selfscan.anonymity: thresholds, complementary suppression and peer groups."""

import itertools
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfscan.core.anonymity import (
    PEER_GROUP_LABELS,
    PEER_GROUP_OF_SIZE_CLASS,
    PEER_GROUPS,
    ROLE_GROUP_THRESHOLD,
    THRESHOLD,
    Suppression,
    is_shown,
    peer_group_for,
    safe_role_groups,
    size_class,
    suppress,
)

FAST = settings(max_examples=200, deadline=None, database=None)


def test_thresholds() -> None:
    assert THRESHOLD == 5
    assert ROLE_GROUP_THRESHOLD == 3


@pytest.mark.parametrize(
    ("n", "shown"), [(0, False), (1, False), (4, False), (5, True), (40, True)]
)
def test_is_shown(n: int, shown: bool) -> None:
    assert is_shown(n) is shown


# --- suppress: examples ------------------------------------------------------------------------


def test_without_total_only_small_cells_are_hidden() -> None:
    assert suppress({"a": 3, "b": 7, "c": 0}) == Suppression(frozenset({"a"}), False)
    assert suppress({"a": 5, "b": 7}) == Suppression(frozenset(), False)


def test_a_single_small_cell_takes_the_next_smallest_with_it() -> None:
    # 19 - 7 - 9 would give a = 3 away; hiding b (7) leaves 10 to split over a and b.
    result = suppress({"a": 3, "b": 7, "c": 9}, total=19)
    assert result == Suppression(frozenset({"a", "b"}), False)
    assert result.shows("c") and not result.shows("a")


def test_two_small_cells_that_reach_the_threshold_together_suffice() -> None:
    assert suppress({"a": 2, "b": 3, "c": 8}, total=13) == Suppression(frozenset({"a", "b"}), False)


def test_two_small_cells_below_the_threshold_together_take_more() -> None:
    result = suppress({"a": 1, "b": 2, "c": 6, "d": 9}, total=18)
    assert result == Suppression(frozenset({"a", "b", "c"}), False)


def test_ties_take_the_first_cell_in_order() -> None:
    assert suppress({"a": 6, "b": 6, "c": 1}, total=13).hidden == {"a", "c"}
    assert suppress({"b": 6, "a": 6, "c": 1}, total=13).hidden == {"b", "c"}


def test_many_ones_are_not_safe_together() -> None:
    # Five hidden cells holding 5: each must be 1, so one more cell is hidden.
    cells = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 20, "g": 30}
    assert suppress(cells, total=55).hidden == {"a", "b", "c", "d", "e", "f"}


def test_zero_cells_are_shown_and_never_taken_as_secondary() -> None:
    result = suppress({"a": 0, "b": 5, "c": 3}, total=8)
    assert result == Suppression(frozenset({"b", "c"}), False)


def test_a_small_total_hides_everything() -> None:
    result = suppress({"a": 3, "b": 1, "c": 0}, total=4)
    assert result == Suppression(frozenset({"a", "b", "c"}), True)


def test_a_zero_total_hides_nothing() -> None:
    assert suppress({"a": 0, "b": 0}, total=0) == Suppression(frozenset(), False)


def test_running_out_of_cells_hides_the_total() -> None:
    # Four in the only cell, five more in no cell: with the total, the cell would be 9 - 5.
    assert suppress({"a": 4}, total=9) == Suppression(frozenset({"a"}), True)
    assert suppress({"a": 1, "b": 1, "c": 1}, total=8, threshold=3) == Suppression(
        frozenset({"a", "b", "c"}), True
    )


def test_nothing_small_nothing_hidden() -> None:
    assert suppress({"a": 5, "b": 0, "c": 12}, total=17) == Suppression(frozenset(), False)


def test_other_thresholds() -> None:
    assert suppress({"a": 2, "b": 3}, total=5, threshold=3).hidden == {"a", "b"}
    assert suppress({"a": 1, "b": 3}, total=4, threshold=1) == Suppression(frozenset(), False)


@pytest.mark.parametrize(
    ("cells", "total", "threshold"),
    [({"a": -1}, None, 5), ({"a": 3, "b": 4}, 6, 5), ({"a": 3}, None, 0)],
)
def test_suppress_rejects_impossible_input(cells, total, threshold) -> None:
    with pytest.raises(ValueError):
        suppress(cells, total, threshold)


def test_worked_example_of_the_docs() -> None:
    by_peer_group = {"tot-20k": 3, "20k-50k": 8, "50k-100k": 6, "100k-plus": 2}
    assert suppress(by_peer_group, total=19).hidden == {"tot-20k", "100k-plus"}
    by_peer_group["100k-plus"] = 0
    assert suppress(by_peer_group, total=17).hidden == {"tot-20k", "50k-100k"}


# --- suppress: properties ------------------------------------------------------------------------

KEYS = "abcdefg"


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[dict[str, int], int | None, int]:
    n = draw(st.integers(0, len(KEYS)))
    cells = {key: draw(st.integers(0, 12)) for key in KEYS[:n]}
    total = draw(
        st.one_of(st.none(), st.integers(0, 4).map(lambda extra: sum(cells.values()) + extra))
    )
    return cells, total, draw(st.integers(1, 7))


def check(cells: Mapping[str, int], total: int | None, threshold: int) -> Suppression[str]:
    """Assert the documented guarantee of ``suppress`` and return its result."""
    result = suppress(cells, total, threshold)
    hidden = [cells[key] for key in result.hidden]
    for key, count in cells.items():
        if result.shows(key):
            assert count == 0 or count >= threshold
        elif not result.total_hidden:
            assert count > 0  # zeros are only hidden together with the total
    if total is not None and 0 < total < threshold:
        assert result.total_hidden and result.hidden == set(cells)
    if total is not None and not result.total_hidden:
        k, h = len(hidden), sum(hidden)
        assert k == 0 or (k >= 2 and h >= threshold)
        # Each hidden cell is at least 1, so it can be anything in 1 .. h - (k - 1): two values.
        assert k == 0 or h - (k - 1) >= 2
    if total is None:
        assert not result.total_hidden
        assert result.hidden == {key for key, count in cells.items() if 0 < count < threshold}
    return result


@FAST
@given(breakdowns())
def test_suppress_guarantee(breakdown) -> None:
    check(*breakdown)


@FAST
@given(breakdowns())
def test_secondary_cells_are_the_smallest_shown(breakdown) -> None:
    cells, total, threshold = breakdown
    result = suppress(cells, total, threshold)
    if result.total_hidden:
        return
    secondary = [cells[key] for key in result.hidden if cells[key] >= threshold]
    shown = [count for key, count in cells.items() if result.shows(key) and count > 0]
    if secondary and shown:
        assert max(secondary) <= min(shown)
    primary = {key for key, count in cells.items() if 0 < count < threshold}
    assert primary <= result.hidden
    # Secondary cells are only taken when the small cells alone are not safe.
    if secondary:
        counts = [cells[key] for key in primary]
        assert not (len(counts) >= 2 and sum(counts) >= threshold and sum(counts) > len(counts))


@FAST
@given(breakdowns())
def test_suppress_does_not_depend_on_key_names(breakdown) -> None:
    cells, total, threshold = breakdown
    renamed = {key.upper(): count for key, count in cells.items()}
    result = suppress(cells, total, threshold)
    other = suppress(renamed, total, threshold)
    assert other.hidden == {key.upper() for key in result.hidden}
    assert other.total_hidden == result.total_hidden


def consistent_values(
    cells: Mapping[str, int], total: int, result: Suppression[str]
) -> dict[str, set[int]]:
    """Every value each hidden cell can take, given what a reader sees (brute force).

    The reader sees the shown cells and the total, and knows that hidden cells are not 0 (zeros
    are shown) and, carefully, how many units fall in no cell.
    """
    keys = sorted(result.hidden)
    remaining = sum(cells[key] for key in keys)
    options: dict[str, set[int]] = {key: set() for key in keys}
    for first in itertools.product(range(1, remaining + 1), repeat=len(keys) - 1):
        values = (*first, remaining - sum(first))
        if values[-1] >= 1:
            for key, value in zip(keys, values, strict=True):
                options[key].add(value)
    return options


def test_no_hidden_cell_can_be_worked_out_exhaustively() -> None:
    # Every breakdown of three cells with counts 0..7 and a shown total, thresholds 2..5.
    checked = 0
    for threshold in range(2, 6):
        for counts in itertools.product(range(8), repeat=3):
            cells = dict(zip("abc", counts, strict=True))
            total = sum(counts)
            result = check(cells, total, threshold)
            if result.total_hidden or not result.hidden:
                continue
            for key, values in consistent_values(cells, total, result).items():
                assert cells[key] in values
                assert len(values) >= 2, (cells, threshold, key)
            checked += 1
    assert checked > 300


# --- role groups ---------------------------------------------------------------------------------


def test_safe_role_groups() -> None:
    assert safe_role_groups({"gemeente": 4, "politie": 3, "zorg": 5}) == {
        "gemeente",
        "politie",
        "zorg",
    }
    # zorg (1) alone could be worked out from the round's 8 respondents: politie (3) goes too.
    assert safe_role_groups({"gemeente": 4, "politie": 3, "zorg": 1}) == {"gemeente"}
    assert safe_role_groups({"gemeente": 4, "politie": 1, "zorg": 2}) == {"gemeente"}
    assert safe_role_groups({"gemeente": 3, "onderwijs": 0}) == {"gemeente"}
    assert safe_role_groups({"gemeente": 2}) == set()  # a round of two shows no breakdown
    assert safe_role_groups({"a": 1, "b": 1, "c": 1}) == set()  # each would be exactly 1
    assert safe_role_groups({}) == set()


def test_safe_role_groups_with_respondents_without_a_role() -> None:
    # Seven respondents, six with a role: the one without is known, so a 2 would leak.
    assert safe_role_groups({"gemeente": 4, "politie": 2}, total=7) == set()
    assert safe_role_groups({"gemeente": 4, "politie": 2, "zorg": 3}, total=10) == {"gemeente"}


@FAST
@given(st.dictionaries(st.sampled_from(KEYS), st.integers(0, 9), max_size=6), st.integers(0, 3))
def test_safe_role_groups_properties(counts, extra) -> None:
    total = sum(counts.values()) + extra
    shown = safe_role_groups(counts, total)
    assert all(counts[group] >= ROLE_GROUP_THRESHOLD for group in shown)
    if total < ROLE_GROUP_THRESHOLD:
        assert shown == set()
    if not shown:
        return  # no breakdown at all: nothing to work anything out from
    hidden = [count for group, count in counts.items() if count > 0 and group not in shown]
    assert hidden == [] or (len(hidden) >= 2 and sum(hidden) >= ROLE_GROUP_THRESHOLD)
    assert hidden == [] or sum(hidden) - (len(hidden) - 1) >= 2


# --- peer groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "code", "group"),
    [
        (0, 1, "tot-20k"),
        (4_999, 1, "tot-20k"),
        (5_000, 2, "tot-20k"),
        (9_999, 2, "tot-20k"),
        (10_000, 3, "tot-20k"),
        (19_999, 3, "tot-20k"),
        (20_000, 4, "20k-50k"),
        (49_999, 4, "20k-50k"),
        (50_000, 5, "50k-100k"),
        (99_999, 5, "50k-100k"),
        (100_000, 6, "100k-plus"),
        (149_999, 6, "100k-plus"),
        (150_000, 7, "100k-plus"),
        (249_999, 7, "100k-plus"),
        (250_000, 8, "100k-plus"),
        (940_000, 8, "100k-plus"),
    ],
)
def test_size_class_and_peer_group(population: int, code: int, group: str) -> None:
    assert size_class(population) == code
    assert peer_group_for(population) == group


def test_negative_population() -> None:
    with pytest.raises(ValueError):
        size_class(-1)
    with pytest.raises(ValueError):
        peer_group_for(-1)


def test_peer_group_tables_agree() -> None:
    assert set(PEER_GROUP_OF_SIZE_CLASS) == set(range(1, 9))
    assert set(PEER_GROUP_OF_SIZE_CLASS.values()) == set(PEER_GROUPS)
    assert list(PEER_GROUP_LABELS) == list(PEER_GROUPS)
    assert PEER_GROUP_LABELS["tot-20k"] == ("Tot 20.000 inwoners", "Under 20,000 inhabitants")
    for dutch, english in PEER_GROUP_LABELS.values():
        assert dutch and english and dutch != english


@FAST
@given(st.integers(0, 2_000_000), st.integers(0, 2_000_000))
def test_peer_groups_follow_size(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert size_class(low) <= size_class(high)
    assert PEER_GROUPS.index(peer_group_for(low)) <= PEER_GROUPS.index(peer_group_for(high))


NUMBER_WORDS = {"nl": {3: "drie", 5: "vijf"}, "en": {3: "three", 5: "five"}}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pages_state_the_thresholds_that_apply(client, lang) -> None:
    """The home, privacy and start pages write the thresholds as words; they must match."""
    client.set_cookie("selfscan_lang", lang)
    five, three = NUMBER_WORDS[lang][THRESHOLD], NUMBER_WORDS[lang][ROLE_GROUP_THRESHOLD]
    municipalities = {"nl": f"minstens {five} gemeenten",
                      "en": f"at least {five} municipalities"}[lang]
    participants = {"nl": f"minstens {three} deelnemers",
                    "en": f"at least {three} respondents"}[lang]
    pages = {path: " ".join(client.get(path).get_data(as_text=True).split())
             for path in ("/", "/privacy", "/start")}
    assert all(municipalities in html for html in pages.values()), municipalities
    assert participants in pages["/privacy"]
