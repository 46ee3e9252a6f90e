"""The disclosure rules of a release (core.disclosure), with plain values."""

from __future__ import annotations

from collections import Counter

import pytest

from selfscan.core import disclosure
from selfscan.core.disclosure import Unit

DIMS = ("connection", "manpower")


def unit(n: int, score: float, **kw) -> Unit:
    fields = {"municipality": f"GM{n:04d}", "round_id": n, "year": 2025, "version": "mpg:1",
              "province": "Utrecht", "peer_group": "20k-50k", "caseload": "1-4",
              "overall": score, "dimensions": {d: score for d in DIMS}}
    fields.update(kw)
    return Unit(**fields)


def test_scores_are_whole_numbers_and_counts_bands():
    assert [disclosure.whole(x) for x in (12.49, 12.5, 0.0, 99.5, None)] == [12, 13, 0, 100, None]
    assert [disclosure.count_band(n) for n in (0, 4, 5, 9, 10, 19, 20, 49, 50, 342)] == [
        None, None, "5-9", "5-9", "10-19", "10-19", "20-49", "20-49", "50+", "50+"]
    assert [disclosure.caseload_band(x) for x in (None, 0, 1, 4.5, 5, 19, 20, 300)] == [
        None, "0", "1-4", "1-4", "5-19", "5-19", "20+", "20+"]


@pytest.mark.parametrize("n, shown", [
    (4, set()), (5, {"median"}), (9, {"median"}), (10, {"median", "q1", "q3"}),
    (19, {"median", "q1", "q3"}), (20, {"median", "q1", "q3", "p10", "p90"})])
def test_a_distribution_shows_more_only_with_more_municipalities(n, shown):
    stats = disclosure.distribution([float(i * 7 % 100) for i in range(n)])
    assert {k for k, v in stats.items() if v is not None} == shown
    assert "min" not in stats and "max" not in stats


def test_five_exact_scores_cannot_be_read_back_from_a_distribution():
    """The attack on the old API: with five municipalities, P10..P90 were their five scores."""
    scores = [11.3, 27.8, 45.1, 63.9, 88.2]
    stats = disclosure.distribution(scores)
    published = [v for v in stats.values() if v is not None]
    assert published == [45]  # only the median, and rounded
    assert not set(published) & set(scores)


def test_a_small_cell_and_its_complement_are_suppressed():
    units = ([unit(i, 50, province="Utrecht") for i in range(8)]
             + [unit(100 + i, 60, province="Zeeland") for i in range(3)]
             + [unit(200 + i, 70, province="Drenthe") for i in range(6)])
    table = disclosure.table(units, "province", DIMS)["cells"]
    assert not table["Zeeland"]["shown"]
    # Zeeland = total - Utrecht - Drenthe: one more cell (the smallest) goes too.
    assert not table["Drenthe"]["shown"] and table["Utrecht"]["shown"]
    assert table["Utrecht"]["municipalities"] == "5-9"
    assert "dimensions" not in table["Drenthe"]


def test_a_dimension_with_a_small_group_left_out_is_not_shown():
    units = [unit(i, 50) for i in range(7)] + [unit(10 + i, 50, dimensions={}) for i in range(2)]
    published = disclosure.cell(units, DIMS)
    assert published["dimensions"]["connection"]["median"] is None  # 7 of 9: 2 left out
    full = disclosure.cell(units[:7], DIMS)
    assert full["dimensions"]["connection"]["median"] == 50


def test_the_row_file_is_k_anonymous():
    provinces = ["Utrecht"] * 6 + ["Zeeland"] * 2 + ["Drenthe"] * 5
    units = [unit(i, 40 + i, province=p, year=2024 + i % 2) for i, p in enumerate(provinces)]
    rows = disclosure.rows(units, DIMS, ["connection-a"])
    for width in range(len(rows["columns"]) + 1):
        combos = Counter(tuple(r[c] for c in rows["columns"][:width]) for r in rows["rows"])
        assert min(combos.values()) >= disclosure.THRESHOLD
    assert "province" not in rows["columns"]  # Zeeland's two would stand out
    assert all(isinstance(r["overall"], int) for r in rows["rows"])
    assert disclosure.rows(units[:4], DIMS, [])["rows"] == []


def test_two_releases_differ_by_at_least_five_municipalities():
    first = {f"GM{i:04d}": i for i in range(20)}
    units = [unit(i, 50) for i in range(20)] + [unit(99, 50)]
    with pytest.raises(disclosure.ReleaseRefused) as refused:
        disclosure.check_release(first, units)  # one municipality entered
    assert refused.value.changed == 1
    replaced = [unit(i, 50, round_id=1000 + i) if i < 4 else unit(i, 50) for i in range(20)]
    assert disclosure.changes(first, {u.municipality: u.round_id for u in replaced + [unit(99, 5)]}
                              ) == 5
    # Five changes, but only four old rows go: comparing the row files would show those four.
    with pytest.raises(disclosure.ReleaseRefused):
        disclosure.check_release(first, replaced + [unit(99, 5)])
    five_replaced = [unit(i, 50, round_id=1000 + i) if i < 5 else unit(i, 50) for i in range(20)]
    assert disclosure.check_release(first, five_replaced)


def test_rows_that_come_and_go_are_each_none_or_at_least_five():
    """Four municipalities leave and one enters: five changes, but the new row file would hold
    one new row, which comparing it with the old file isolates."""
    first = {f"GM{i:04d}": i for i in range(20)}
    later = [unit(i, 50) for i in range(4, 20)] + [unit(99, 50)]
    assert disclosure.changes(first, {u.municipality: u.round_id for u in later}) == 5
    assert disclosure.added_and_removed(first, {u.municipality: u.round_id for u in later}
                                        ) == (1, 4)
    with pytest.raises(disclosure.ReleaseRefused):
        disclosure.check_release(first, later)
    five_left = [unit(i, 50) for i in range(5, 20)]
    assert disclosure.check_release(first, five_left)  # five rows go, none comes: nothing isolated
    assert disclosure.check_release(None, [unit(i, 50) for i in range(5)])


def test_content_of_a_release_with_too_few_municipalities_publishes_nothing():
    published = disclosure.content([unit(i, 50) for i in range(4)], DIMS, [])
    assert published["national"] == {"shown": False}
    assert published["municipalities"] is None
    assert all(not t["cells"] for t in published["tables"].values())
    assert published["rows"]["rows"] == []
