"""The benchmark's rules: which rounds count, and every anonymity rule, attacked on purpose."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_round, municipalities_where
from hypothesis import given, settings
from hypothesis import strategies as st

from selfscan.core import benchmark as rules
from selfscan.core.anonymity import PEER_GROUPS, THRESHOLD
from selfscan.core.benchmark import Filters
from selfscan.storage import benchmark, rounds

YEAR = date.today().year


def run(db, **filters):
    return benchmark.benchmark(db, Filters(**filters))


def test_only_closed_consented_real_rounds_count_and_each_municipality_once(db, q):
    codes = municipalities_where(db)[:6]
    for code in codes[:5]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    # A later round of the same municipality:
    make_round(db, [("police", "4")], questionnaire=q, municipality=codes[0], year=YEAR)
    for not_counted in ({"consent": False}, {"closed": False}, {"synthetic": True}):
        make_round(db, [("police", "0")], questionnaire=q, municipality=codes[5], year=YEAR,
                   **not_counted)
    data = run(db)
    assert data["shown"] and data["municipalities"] == 5
    overall = {d["id"]: d for d in data["dimensions"]}
    # Four municipalities at level 2 (50) and one whose latest round is level 4 (100).
    assert overall["connection"]["median"] == 50.0
    assert overall["connection"]["p90"] > 50.0
    year_row = data["years"][0]
    assert year_row["rounds"] == 6 and year_row["municipalities"] == 5


def test_a_group_of_exactly_four_is_suppressed_everywhere(db, q):
    for code in municipalities_where(db)[:4]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    data = run(db)
    assert not data["shown"]
    assert data["municipalities"] is None and data["respondents"] is None
    assert data["dimensions"] == [] and data["bottlenecks"]["lowest_median"] == []
    assert all(n["median"] is None for n in data["national"])
    assert all(not y["shown"] and y["municipalities"] is None for y in data["years"])
    assert all(not t["shown"] and set(t["medians"].values()) == {None} for t in data["trends"])


def test_five_is_enough(db, q):
    for code in municipalities_where(db)[:5]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    data = run(db)
    assert data["shown"] and data["municipalities"] == 5
    assert all(d["shown"] for d in data["dimensions"])


def test_a_group_that_falls_below_five_after_a_deletion(db, q):
    ids = [make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR).round_id
           for code in municipalities_where(db)[:5]]
    assert run(db)["shown"]
    rounds.delete_round(db, ids[0])
    data = run(db)
    assert not data["shown"] and data["municipalities"] is None


def test_differencing_across_peer_groups_is_blocked(db, q):
    small = municipalities_where(db, peer_group="tot-20k")[:6]
    other = municipalities_where(db, peer_group="20k-50k")[:4]
    for code in small + other:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    total = run(db)
    assert total["shown"] and total["municipalities"] == 10
    # Six is enough on its own, but 10 - 6 would reveal the group of four: both are hidden.
    assert not run(db, peer_group="tot-20k")["shown"]
    assert not run(db, peer_group="20k-50k")["shown"]
    # With a fifth municipality in the other group, both groups may be shown.
    fifth = municipalities_where(db, peer_group="20k-50k")[4]
    make_round(db, [("police", "2")], questionnaire=q, municipality=fifth, year=YEAR)
    assert run(db, peer_group="tot-20k")["municipalities"] == 6
    assert run(db, peer_group="20k-50k")["municipalities"] == 5


def test_differencing_with_three_groups_hides_a_second_group(db, q):
    a = municipalities_where(db, peer_group="tot-20k")[:8]
    b = municipalities_where(db, peer_group="20k-50k")[:8]
    c = municipalities_where(db, peer_group="50k-100k")[:3]
    for code in a + b + c:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    shown = [p for p in PEER_GROUPS if run(db, peer_group=p)["shown"]]
    # 19 - 8 - 8 would give 3: one of the two groups of eight must be hidden as well.
    assert len(shown) == 1
    hidden_sum = 19 - sum(run(db, peer_group=p)["municipalities"] for p in shown)
    assert hidden_sum >= THRESHOLD


def test_differencing_across_provinces_is_blocked(db, q):
    utrecht = municipalities_where(db, province="Utrecht")[:7]
    zeeland = municipalities_where(db, province="Zeeland")[:2]
    for code in utrecht + zeeland:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    assert run(db)["shown"]
    assert not run(db, province="Utrecht")["shown"]
    assert not run(db, province="Zeeland")["shown"]


def test_peer_group_within_a_province_checks_both_partitions(db, q):
    gelderland = municipalities_where(db, province="Gelderland")
    small = [c for c in gelderland if c in municipalities_where(db, peer_group="tot-20k")][:5]
    mid = [c for c in gelderland if c in municipalities_where(db, peer_group="20k-50k")][:5]
    others = (municipalities_where(db, peer_group="tot-20k", province="Limburg")[:2]
              + municipalities_where(db, peer_group="20k-50k", province="Limburg")[:5])
    for code in small + mid + others:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    # Gelderland x small is five, and Gelderland splits 5/5; but tot-20k splits Gelderland 5 /
    # Limburg 2, so the cell would reveal the two Limburg ones by subtraction.
    assert run(db, province="Gelderland")["shown"]
    assert not run(db, province="Gelderland", peer_group="tot-20k")["shown"]
    assert run(db, province="Gelderland", peer_group="20k-50k")["shown"]


def test_differencing_across_years_is_blocked(db, q):
    codes = municipalities_where(db)[:7]
    for code in codes[:5]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    for code in codes[5:]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR - 1)
    everything = run(db)
    assert everything["shown"] and everything["municipalities"] == 7
    # This year has five, but all years minus this year would be the group of two.
    assert not run(db, year=YEAR)["shown"]
    rows = {y["year"]: y for y in everything["years"]}
    assert not rows[YEAR]["shown"] and rows[YEAR]["municipalities"] is None
    assert not rows[YEAR - 1]["shown"]


def test_a_dimension_missing_in_a_few_municipalities_is_suppressed(db, q):
    codes = municipalities_where(db)[:6]
    for code in codes[:5]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    make_round(db, [("police", "2")], questionnaire=q, municipality=codes[5], year=YEAR,
               unknown_dimensions=("governance",))
    dims = {d["id"]: d for d in run(db)["dimensions"]}
    assert dims["connection"]["shown"] and dims["connection"]["municipalities"] == 6
    # Five have a governance score and one has none: 6 - 5 = 1 would be worked out.
    assert not dims["governance"]["shown"] and dims["governance"]["median"] is None


def test_distribution_never_lists_single_municipality_scores(db, q):
    levels = [0, 1, 2, 3, 4, 4]
    for code, level in zip(municipalities_where(db), levels, strict=False):
        make_round(db, [("police", str(level))], questionnaire=q, municipality=code, year=YEAR)
    dim = run(db)["dimensions"][0]
    assert set(dim) == {"id", "shown", "municipalities", "p10", "q1", "median", "q3", "p90"}
    # Scores 0, 25, 50, 75, 100, 100: the lowest score itself is not shown, P10 lies between.
    assert dim["p10"] == 12.5 and dim["q1"] == 31.25 and dim["median"] == 62.5


def test_trends_give_the_median_per_year(db, q):
    codes = municipalities_where(db)[:10]
    for code in codes[:5]:
        make_round(db, [("police", "1")], questionnaire=q, municipality=code, year=YEAR - 1)
    for code in codes[:5]:
        make_round(db, [("police", "3")], questionnaire=q, municipality=code, year=YEAR)
    data = run(db)
    trend = {t["year"]: t["medians"]["connection"] for t in data["trends"]}
    assert trend == {YEAR - 1: 25.0, YEAR: 75.0}
    # All years together: each municipality once, with its latest round.
    assert data["municipalities"] == 5 and data["dimensions"][0]["median"] == 75.0


def test_bottlenecks_name_the_lowest_items_with_their_counts(db, q):
    low_item = q.dimensions[1].items[0].id
    codes = municipalities_where(db)[:5]
    answers = {"*": "3", low_item: "0", q.dimensions[2].items[0].id: "unknown"}
    for code in codes:
        make_round(db, [("police", answers)], questionnaire=q, municipality=code, year=YEAR)
    data = run(db)
    lowest = data["bottlenecks"]["lowest_median"][0]
    assert lowest == {"item_id": low_item, "median": 0.0, "municipalities": 5}
    unknown = data["bottlenecks"]["most_unknown"][0]
    assert unknown["item_id"] == q.dimensions[2].items[0].id
    assert unknown["unknown_share"] == 1.0 and unknown["municipalities"] == 5


def test_synthetic_rounds_are_never_mixed_with_real_ones(db, q):
    codes = municipalities_where(db)[:10]
    for code in codes[:5]:
        make_round(db, [("police", "1")], questionnaire=q, municipality=code, year=YEAR)
    for code in codes[5:]:
        make_round(db, [("police", "4")], questionnaire=q, municipality=code, year=YEAR,
                   synthetic=True)
    real = run(db)
    fake = run(db, synthetic=True)
    assert real["municipalities"] == 5 and real["dimensions"][0]["median"] == 25.0
    assert fake["municipalities"] == 5 and fake["dimensions"][0]["median"] == 100.0
    assert fake["synthetic"] is True and real["synthetic"] is False


def test_version_filter(db, q):
    for code in municipalities_where(db)[:5]:
        make_round(db, [("police", "2")], questionnaire=q, municipality=code, year=YEAR)
    assert run(db, questionnaire_id=q.id, version=q.version)["municipalities"] == 5
    assert not run(db, questionnaire_id=q.id, version=q.version + 1)["shown"]


@pytest.mark.parametrize("args, message", [
    ({"jaar": "twintig"}, "jaar"),
    ({"jaar": "1800"}, "jaar"),
    ({"versie": "mpg:99"}, "vragenlijstversie"),
    ({"versie": "mpg"}, "vragenlijstversie"),
    ({"peergroep": "klein"}, "peergroep"),
    ({"provincie": "Atlantis"}, "provincie"),
    ({"synthetisch": "misschien"}, "synthetisch"),
])
def test_bad_filters_give_a_dutch_message(args, message):
    with pytest.raises(rules.FilterError, match=message):
        rules.parse_filters(args, ["Utrecht"], [("mpg", 1)])


def test_filters_accept_dutch_and_english_names():
    f = rules.parse_filters({"year": "2025", "versie": "mpg:1", "peer_group": "tot-20k",
                                 "provincie": "Utrecht", "synthetic": "1"},
                                ["Utrecht"], [("mpg", 1)])
    assert f == Filters(2025, "mpg", 1, "tot-20k", "Utrecht", True)


# --- the export's generalisation -------------------------------------------------------------

row_strategy = st.fixed_dictionaries({
    "year": st.sampled_from([2024, 2025]),
    "questionnaire_id": st.just("mpg"), "version": st.just(1),
    "peer_group": st.sampled_from(PEER_GROUPS),
    "province": st.sampled_from(["Utrecht", "Zeeland", "Limburg"]),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(row_strategy, max_size=60))
def test_export_generalisation_leaves_no_small_class(rows):
    rows = [dict(r, id=i) for i, r in enumerate(rows)]
    out = rules.generalise(rows)
    classes: dict = {}
    for row in out:
        key = (row["year"], row["peer_group"], row["province"])
        classes[key] = classes.get(key, 0) + 1
        original = rows[row["id"]]
        assert row["peer_group"] in (original["peer_group"], rules.SUPPRESSED)
        assert row["province"] in (original["province"], rules.SUPPRESSED)
        # Province is never shown without the peer group: that would need its own check.
        assert not (row["peer_group"] == rules.SUPPRESSED
                    and row["province"] != rules.SUPPRESSED)
    assert all(n >= THRESHOLD for n in classes.values()), classes
    # Years with fewer than five rows are left out, others are kept whole.
    for year in (2024, 2025):
        n = sum(1 for r in rows if r["year"] == year)
        kept = sum(1 for r in out if r["year"] == year)
        assert kept == (n if n >= THRESHOLD else 0)
