"""Tests of the working session: the pure rules (core.session) and their storage (storage.sessions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest
from factories import make_round

from selfscan.core.scoring import DimensionAggregate, RoundAggregate, aggregate_item
from selfscan.core.session import (
    STATUSES,
    Action,
    ActionInput,
    AgendaEntry,
    AgreementInput,
    Conflict,
    Target,
    against_targets,
    agenda,
    apply_order,
    carry_over,
    done_share,
    looks_personal,
    parse_due,
    personal_data_warnings,
    read_action,
    read_agreement,
    read_target,
)
from selfscan.storage import sessions

# --- helpers -----------------------------------------------------------------------------------

QUESTIONNAIRE = SimpleNamespace(structure={"d1": ("a", "b", "c"), "d2": ("x", "y")})
TOOLS = {"alpha-guide"}


def _round(items: dict[str, list], scores: dict[str, float | None] | None = None) -> RoundAggregate:
    """A round aggregate whose items got these answers, in QUESTIONNAIRE's dimensions."""
    dims = {}
    for dim_id, item_ids in QUESTIONNAIRE.structure.items():
        aggs = tuple(aggregate_item(i, items.get(i, [])) for i in item_ids)
        score = (scores or {}).get(dim_id)
        dims[dim_id] = DimensionAggregate(dim_id, score, 1.0, 3, 0.0, None, False, None, aggs)
    return RoundAggregate(dims, None, None, 3)


def _action(dimension="d1", status="open", id=1, **kw) -> Action:
    values = dict(id=id, round_id=7, dimension_id=dimension, item_id=None, what="Convenant",
                  who="Gemeente", due=None, tool_id=None, status=status, carried_from=None,
                  version=3)
    return Action(**{**values, **kw})


# --- discussion order --------------------------------------------------------------------------


def test_agenda_puts_disagreement_first_then_weakness_then_questionnaire_order():
    aggregate = _round({
        "a": [2, 2, 2],      # spread 0, median 2
        "b": [0, 2, 4],      # spread 4
        "c": [1, 1, 1],      # spread 0, median 1: weaker than a
        "x": [0, 0, 4, 4],   # spread 4 and a wider interquartile range than b
        "y": [],             # nothing measured: last
    })
    assert agenda(aggregate, QUESTIONNAIRE) == ["x", "b", "c", "a", "y"]


def test_agenda_ties_keep_questionnaire_order_and_items_without_median_go_last():
    aggregate = _round({"a": [3, 3], "b": ["unknown"], "c": [3, 3], "x": [3, 3], "y": []})
    assert agenda(aggregate, QUESTIONNAIRE) == ["a", "c", "x", "b", "y"]


def test_apply_order_positions_first_then_default_then_skipped_flagged():
    default = ["x", "b", "c", "a", "y"]
    order = apply_order(default, {"a": 1, "y": 0, "c": None, "b": 2}, {"b", "x"})
    assert order == [AgendaEntry("y", False), AgendaEntry("a", False), AgendaEntry("c", False),
                     AgendaEntry("b", True), AgendaEntry("x", True)]
    assert [e.item_id for e in apply_order(default, {}, set())] == default


# --- agreement, target and action forms --------------------------------------------------------


def test_agreement_form_accepts_a_level_or_empty_and_strips():
    value, errors = read_agreement({"agreed_level": "3", "note": "  Omdat het convenant er is ",
                                    "evidence_title": "Convenant 2025",
                                    "evidence_url": "https://example.nl/c.pdf", "skipped": "1"})
    assert errors == {}
    assert value == AgreementInput(3, "Omdat het convenant er is", "Convenant 2025",
                                   "https://example.nl/c.pdf", True)
    value, errors = read_agreement({"agreed_level": ""})
    assert errors == {} and value == AgreementInput(None)


@pytest.mark.parametrize(("form", "field"), [
    ({"agreed_level": "5"}, "agreed_level"),
    ({"agreed_level": "-1"}, "agreed_level"),
    ({"agreed_level": "twee"}, "agreed_level"),
    ({"note": "x" * 1001}, "note"),
    ({"evidence_title": "x" * 201}, "evidence_title"),
    ({"evidence_url": "ftp://example.nl/x"}, "evidence_url"),
    ({"evidence_url": "https://example.nl/met spatie"}, "evidence_url"),
    ({"evidence_url": "www.example.nl"}, "evidence_url"),
    ({"evidence_url": "https://example.nl/" + "x" * 490}, "evidence_url"),
])
def test_agreement_form_errors_name_the_field_in_dutch(form, field):
    value, errors = read_agreement(form)
    assert value is None and list(errors) == [field]
    assert errors[field].text.split()[0] in ("Kies", "Vul", "Dit")


def test_agreement_limits_are_inclusive_and_too_long_says_how_long():
    assert read_agreement({"note": "x" * 1000, "evidence_title": "t" * 200})[1] == {}
    errors = read_agreement({"note": "x" * 1001})[1]
    assert errors["note"].params == {"n": 1001, "max": 1000}


def test_target_level_is_required_and_0_to_4():
    assert read_target("4") == (4, {})
    assert read_target("0") == (0, {})
    for raw in ("", "5", "x"):
        level, errors = read_target(raw)
        assert level is None and "target_level" in errors


def _action_form(**kw):
    return {"dimension_id": "d1", "item_id": "b", "what": "Convenant actualiseren",
            "who": "Gemeente, team OOV", "due": "31-12-2026", "tool_id": "alpha-guide",
            "status": "busy", **kw}


def test_action_form_reads_every_field_and_dutch_and_iso_dates():
    value, errors = read_action(_action_form(), QUESTIONNAIRE, TOOLS)
    assert errors == {}
    assert value == ActionInput("d1", "b", "Convenant actualiseren", "Gemeente, team OOV",
                                date(2026, 12, 31), "alpha-guide", "busy")
    value, _ = read_action(_action_form(due="2026-03-01", item_id="", tool_id="", status=""),
                           QUESTIONNAIRE, TOOLS)
    assert value == ActionInput("d1", None, "Convenant actualiseren", "Gemeente, team OOV",
                                date(2026, 3, 1), None, "open")
    assert parse_due("1-3-2026") == date(2026, 3, 1) and parse_due(" ") is None


@pytest.mark.parametrize(("change", "field"), [
    ({"what": "  "}, "what"),
    ({"what": "x" * 301}, "what"),
    ({"who": "x" * 121}, "who"),
    ({"due": "31-02-2026"}, "due"),
    ({"due": "2026/12/31"}, "due"),
    ({"due": "morgen"}, "due"),
    ({"status": "finished"}, "status"),
    ({"tool_id": "not-in-catalogue"}, "tool_id"),
    ({"dimension_id": "nope"}, "dimension_id"),
    ({"item_id": "x"}, "item_id"),  # an item of another dimension
    ({"item_id": "nope"}, "item_id"),
])
def test_action_form_errors(change, field):
    value, errors = read_action(_action_form(**change), QUESTIONNAIRE, TOOLS)
    assert value is None and list(errors) == [field]


def test_action_form_reports_every_error_at_once():
    _, errors = read_action({"dimension_id": "d1", "due": "x", "status": "y"}, QUESTIONNAIRE, TOOLS)
    assert set(errors) == {"what", "due", "status"}
    assert set(STATUSES) == {"open", "busy", "done", "dropped"}


@pytest.mark.parametrize("text", [
    "mail jan.jansen@gemeente.nl", "bel 06-12345678", "06 1234 5678", "0612345678",
    "+31 6 12345678", "+31612345678", "0031 20 123 4567", "tel. 010-1234567",
])
def test_personal_data_is_flagged(text):
    assert looks_personal(text)


@pytest.mark.parametrize("text", [
    "Gemeente, team OOV", "Politie basisteam", "Convenant 2025-2026", "Raadsbesluit 12345678",
    "https://example.nl/besluit-2025", "31-12-2026", "",
])
def test_ordinary_text_is_not_flagged(text):
    assert not looks_personal(text)


def test_personal_data_gives_a_warning_per_field_not_an_error():
    form = _action_form(who="Piet, 06-12345678")
    warnings = personal_data_warnings(form, ("what", "who"))
    assert list(warnings) == ["who"] and "persoonsgegevens" in warnings["who"].text
    assert read_action(form, QUESTIONNAIRE, TOOLS)[1] == {}  # the save itself goes ahead


# --- the plan across rounds --------------------------------------------------------------------


def test_carry_over_copies_open_and_busy_with_their_status():
    previous = [_action(id=1, status="open"), _action(id=2, status="busy"),
                _action(id=3, status="done"), _action(id=4, status="dropped")]
    carried = carry_over(previous)
    assert [(a.carried_from, a.status, a.id, a.round_id, a.version) for a in carried] == [
        (1, "open", None, None, 1), (2, "busy", None, None, 1)]
    assert carried[0].what == previous[0].what


def test_against_targets_compares_scores_with_target_times_25():
    aggregate = _round({}, {"d1": 50.0, "d2": None})
    result = against_targets(aggregate, [Target("d1", 2, 1), Target("d2", 3, 1),
                                         Target("gone", 1, 1)])
    assert result == {"d1": (50.0, 50, True), "d2": (None, 75, None), "gone": (None, 25, None)}
    assert against_targets(aggregate, [Target("d1", 3, 1)]) == {"d1": (50.0, 75, False)}


def test_done_share_leaves_dropped_out():
    plan = [_action("d1", "done"), _action("d1", "open"), _action("d1", "dropped"),
            _action("d2", "dropped"), _action("d2", "done"), _action("d2", "done")]
    assert done_share(plan) == {"d1": (1, 2), "d2": (2, 2)}
    assert done_share([]) == {}


# --- storage -----------------------------------------------------------------------------------


@pytest.fixture
def closed(db, q):
    """A closed round with three respondents who disagree."""
    handle = make_round(db, [("police", "1"), ("education", "3"), ("veilig-thuis", "4")],
                        questionnaire=q, municipality="GM0014", year=2026)
    return handle.round_id


def _stored_scores(db, round_id):
    return (db.execute("SELECT * FROM round_scores WHERE round_id = ? ORDER BY 1, 2",
                       [round_id]).fetchall(),
            db.execute("SELECT a.* FROM answers a JOIN respondents p ON p.id = a.respondent_id "
                       "WHERE p.round_id = ? ORDER BY 1, 2", [round_id]).fetchall())


def test_save_and_update_agreement_with_version(db, q, closed):
    item = q.dimensions[0].items[0].id
    first = sessions.save_agreement(db, closed, item, AgreementInput(2, "Eerste"), None)
    assert (first.agreed_level, first.note, first.version) == (2, "Eerste", 1)
    second = sessions.save_agreement(
        db, closed, item, AgreementInput(None, "Toch niet", "Besluit", "https://x.nl", True), 1)
    assert second == replace(first, agreed_level=None, note="Toch niet", evidence_title="Besluit",
                             evidence_url="https://x.nl", skipped=True, version=2)
    assert sessions.agreements(db, closed) == {item: second}


def test_conflict_leaves_the_stored_agreement_and_reports_it(db, q, closed):
    item = q.dimensions[0].items[0].id
    sessions.save_agreement(db, closed, item, AgreementInput(2, "Eerste"), 0)
    mine = sessions.save_agreement(db, closed, item, AgreementInput(3, "Van Anna"), 1)
    for stale in (1, None, 7):  # a page that saw version 1, saw nothing, or made one up
        with pytest.raises(Conflict) as caught:
            sessions.save_agreement(db, closed, item, AgreementInput(0, "Van Bert"), stale)
        assert caught.value.current == mine
    assert sessions.agreements(db, closed)[item] == mine
    # Expecting a version of an agreement that is not there is a conflict too.
    other = q.dimensions[0].items[1].id
    with pytest.raises(Conflict) as caught:
        sessions.save_agreement(db, closed, other, AgreementInput(1), 3)
    assert caught.value.current is None and other not in sessions.agreements(db, closed)


def test_agreements_never_change_the_rounds_scores_or_answers(db, q, closed):
    before = _stored_scores(db, closed)
    assert before[0] and before[1]
    for n, item in enumerate(q.items):
        sessions.save_agreement(db, closed, item, AgreementInput(n % 5, "x"), None)
    for d in q.dimensions:
        sessions.save_target(db, closed, d.id, 4, None)
    assert _stored_scores(db, closed) == before


def test_order_positions_do_not_bump_the_agreement_version(db, q, closed):
    a, b = q.dimensions[0].items[0].id, q.dimensions[0].items[1].id
    sessions.save_agreement(db, closed, a, AgreementInput(2, skipped=True), None)
    sessions.set_position(db, closed, a, 3)
    sessions.set_position(db, closed, b, 0)
    positions, skipped = sessions.order(db, closed)
    assert positions == {a: 3, b: 0} and skipped == {a}
    assert sessions.agreements(db, closed)[a].version == 1
    # An item only placed has no agreement yet: saving it counts as new.
    assert sessions.save_agreement(db, closed, b, AgreementInput(1), None).version == 1
    assert sessions.order(db, closed)[0][b] == 0


def test_targets_with_version(db, q, closed):
    dim = q.dimensions[0].id
    assert sessions.targets(db, closed) == {}
    assert sessions.save_target(db, closed, dim, 3, None) == Target(dim, 3, 1)
    assert sessions.save_target(db, closed, dim, 4, 1) == Target(dim, 4, 2)
    with pytest.raises(Conflict) as caught:
        sessions.save_target(db, closed, dim, 1, 1)
    assert caught.value.current == Target(dim, 4, 2)
    assert sessions.targets(db, closed) == {dim: Target(dim, 4, 2)}


def _input(q, **kw):
    values = dict(dimension_id=q.dimensions[0].id, item_id=q.dimensions[0].items[0].id,
                  what="Convenant actualiseren", who="Gemeente", due=date(2026, 12, 31),
                  tool_id=None, status="open")
    return ActionInput(**{**values, **kw})


def test_actions_crud_with_version(db, q, closed):
    added = sessions.add_action(db, closed, _input(q))
    assert (added.round_id, added.what, added.due, added.status, added.version,
            added.carried_from) == (closed, "Convenant actualiseren", date(2026, 12, 31), "open",
                                    1, None)
    other = sessions.add_action(db, closed, _input(q, item_id=None, due=None, what="Overleg"))
    assert sessions.actions(db, closed) == [added, other]
    updated = sessions.update_action(db, closed, added.id, _input(q, status="busy"), 1)
    assert updated == replace(added, status="busy", version=2)
    with pytest.raises(Conflict) as caught:
        sessions.update_action(db, closed, added.id, _input(q, status="done"), 1)
    assert caught.value.current == updated
    assert sessions.action(db, closed, added.id) == updated
    with pytest.raises(Conflict):
        sessions.delete_action(db, closed, added.id, 1)
    assert sessions.delete_action(db, closed, added.id, 2)
    assert not sessions.delete_action(db, closed, added.id)
    with pytest.raises(Conflict) as caught:  # edited on a page while someone deleted it
        sessions.update_action(db, closed, added.id, _input(q), 2)
    assert caught.value.current is None
    assert sessions.actions(db, closed) == [other]


def test_actions_belong_to_their_round(db, q, closed):
    added = sessions.add_action(db, closed, _input(q))
    elsewhere = make_round(db, [], questionnaire=q, municipality="GM0034", year=2026).round_id
    assert sessions.action(db, elsewhere, added.id) is None
    assert not sessions.delete_action(db, elsewhere, added.id)
    with pytest.raises(Conflict):
        sessions.update_action(db, elsewhere, added.id, _input(q, what="Anders"), 1)
    assert sessions.actions(db, closed) == [added]


def test_carry_over_actions_copies_open_and_busy_once(db, q, closed):
    kept = [sessions.add_action(db, closed, _input(q, status=s, what=s)) for s in STATUSES]
    # Made without previous_round_id, since creating a follow-up round carries them itself
    # (tests/test_plan_next_round.py); here the storage function is tested on its own.
    later = make_round(db, [], questionnaire=q, municipality="GM0014", year=2027,
                       closed=False).round_id
    assert sessions.carry_over_actions(db, closed, later) == 2
    assert sessions.carry_over_actions(db, closed, later) == 0
    carried = sessions.actions(db, later)
    assert [(a.what, a.status, a.carried_from, a.version) for a in carried] == [
        ("open", "open", kept[0].id, 1), ("busy", "busy", kept[1].id, 1)]
    assert carried == [replace(c, id=a.id, round_id=later) for c, a in
                       zip(carry_over(kept), carried, strict=True)]
    assert sessions.actions(db, closed) == kept  # the old plan stays as it was
