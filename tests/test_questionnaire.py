"""The questionnaire as versioned data: the real definition, validation messages, the CLI check."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from selfscan import create_app
from selfscan.loading import DefinitionErrors, load_folder, load_paths, load_questionnaire

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "questionnaires"
FIXTURES = Path(__file__).parent / "fixtures"


# --- the real questionnaire and catalogue ------------------------------------------------------


def test_real_questionnaire_has_five_dimensions_of_six_to_eight_items():
    library = load_folder(REAL)
    q = library.current
    assert q.id == "mpg"
    assert [d.id for d in q.dimensions] == [
        "connection", "manpower", "embedding", "knowledge", "governance"]
    for d in q.dimensions:
        assert 6 <= len(d.items) <= 8, d.id
        for item in d.items:
            assert len(item.levels) == 5
            assert all(text.nl and text.en for text in item.levels), item.id
            assert item.statement.en and item.why.en, item.id
    assert [lv.value for lv in q.levels] == [0, 1, 2, 3, 4]
    assert [p.from_level for p in q.phases] == [0, 2, 3, 4]
    assert len(q.context_questions) >= 3


def test_real_questionnaire_never_registers_ethnicity():
    text = (REAL / "mpg-v1.yaml").read_text(encoding="utf-8").lower()
    # The approach monitors per family or case; the scan never asks to register origin.
    assert "nooit" in text and "etniciteit" in text or "afkomst" in text


def test_catalogue_has_twenty_checked_resources_covering_every_item():
    library = load_folder(REAL)
    tools = library.catalogue.tools
    assert len(tools) >= 20
    hosts = {urlsplit(t.url).hostname for t in tools}
    # The publishers' own sites (and the official publication sites of government documents).
    allowed = {"hetccv.nl", "vng.nl", "www.rijksoverheid.nl", "zoek.officielebekendmakingen.nl",
               "www.kis.nl", "www.politie.nl", "www.kinderbescherming.nl", "ingrado.nl",
               "www.hetckm.nl", "www.huiselijkgeweld.nl", "www.huwelijksdwangenachterlating.nl",
               "www.wegwijzermensenhandel.nl", "samenvoorzorgenveiligheid.nl",
               "www.onderzoek.hu.nl", "issuu.com"}
    assert hosts <= allowed, hosts - allowed
    assert all(t.url.startswith("https://") and t.checked for t in tools)
    assert len({t.url for t in tools}) == len(tools)
    assert len({t.title.nl for t in tools}) == len(tools)
    assert library.catalogue.get("ccv-coaching") is not None
    # No tie between caravan-site policy and this approach (content review).
    assert not any("woonwagen" in t.title.nl.lower() for t in tools)
    items = set(library.current.items)
    covered = {item for t in tools for item, _level in t.relevant_when}
    assert items <= covered, items - covered  # every item of v2: a tool or the coaching route
    # Every child-safety item has a real resource besides coaching.
    for item in library.current.child_safety_items:
        assert any(item in dict(t.relevant_when) for t in tools if t.id != "ccv-coaching"), item


# --- validation: one test per kind of error ----------------------------------------------------


def _write(tmp_path: Path, data: dict, name: str = "broken-v1.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def mini() -> dict:
    return yaml.safe_load((FIXTURES / "mini-v1.yaml").read_text(encoding="utf-8"))


def _errors(path: Path) -> list[str]:
    with pytest.raises(DefinitionErrors) as info:
        load_questionnaire(path)
    return [str(e) for e in info.value.errors]


def test_fixture_is_valid():
    q = load_questionnaire(FIXTURES / "mini-v1.yaml")
    assert q.structure == {"alpha": ("alpha-one", "alpha-two", "alpha-three"),
                           "beta": ("beta-one", "beta-two", "beta-three")}


def test_missing_level_names_file_place_and_problem(tmp_path, mini):
    del mini["dimensions"][1]["items"][2]["levels"][4]
    path = _write(tmp_path, mini)
    [message] = _errors(path)
    assert message.startswith(str(path))
    assert "dimensions[1].items[2].levels" in message
    assert "heeft 4 niveau(s); er moeten er precies 5 zijn" in message
    assert re.search(r":\d+: dimensions", message), "the line number is named"


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "x-v1.yaml"
    path.write_text("id: x\nversion: 1\ntitle: {nl: a\n", encoding="utf-8")
    [message] = _errors(path)
    assert "geen geldige YAML" in message and str(path) in message


def test_missing_required_field(tmp_path, mini):
    del mini["dimensions"][0]["items"][0]["why"]
    [message] = _errors(_write(tmp_path, mini))
    assert "dimensions[0].items[0]" in message and "verplicht veld ontbreekt: 'why'" in message


def test_unknown_field_suggests_the_right_one(tmp_path, mini):
    mini["dimensions"][0]["items"][0]["statment"] = mini["dimensions"][0]["items"][0].pop(
        "statement")
    messages = _errors(_write(tmp_path, mini))
    assert any("onbekend veld 'statment' (bedoelt u 'statement'?)" in m for m in messages)


def test_wrong_type(tmp_path, mini):
    mini["version"] = "een"
    [message] = _errors(_write(tmp_path, mini))
    assert "version: moet een geheel getal zijn, maar is een tekst" in message


def test_text_without_dutch(tmp_path, mini):
    mini["dimensions"][0]["title"] = {"en": "Alpha"}
    [message] = _errors(_write(tmp_path, mini))
    assert "dimensions[0].title" in message and "'nl'" in message


def test_invalid_id(tmp_path, mini):
    mini["dimensions"][0]["items"][0]["id"] = "Alpha One"
    messages = _errors(_write(tmp_path, mini))
    assert any("dimensions[0].items[0].id" in m and "geen geldige id" in m for m in messages)


def test_duplicate_item_id(tmp_path, mini):
    mini["dimensions"][0]["items"][1]["id"] = "alpha-one"
    [message] = _errors(_write(tmp_path, mini))
    assert "dimensions[0].items[1].id" in message
    assert "komt al voor in dimensions[0].items[0].id" in message


def test_item_id_must_start_with_dimension(tmp_path, mini):
    mini["dimensions"][1]["items"][0]["id"] = "alpha-four"
    [message] = _errors(_write(tmp_path, mini))
    assert "moet beginnen met de id van zijn dimensie (beta-)" in message


def test_phases_must_cover_without_gap(tmp_path, mini):
    mini["phases"][1]["min"] = 60
    messages = _errors(_write(tmp_path, mini))
    assert any("phases[1].min" in m and "een gat bij 50" in m for m in messages)


def test_levels_of_scale_in_order(tmp_path, mini):
    mini["levels"][0]["value"], mini["levels"][1]["value"] = 1, 0
    [message] = _errors(_write(tmp_path, mini))
    assert "levels: de niveaus moeten 0, 1, 2, 3, 4 zijn" in message


def test_choice_question_needs_options(tmp_path, mini):
    del mini["context_questions"][1]["options"]
    [message] = _errors(_write(tmp_path, mini))
    assert "context_questions[1]" in message and "heeft 'options' nodig" in message


def test_every_problem_is_reported_at_once(tmp_path, mini):
    del mini["dimensions"][0]["items"][0]["why"]
    mini["dimensions"][1]["items"][1]["levels"] = []
    messages = _errors(_write(tmp_path, mini))
    assert len(messages) == 2


def test_catalogue_reference_must_exist(tmp_path, mini_folder):
    tools = yaml.safe_load((mini_folder / "tools.yaml").read_text())
    tools["tools"][0]["relevant_when"][0]["item"] = "alpha-onne"
    tools["tools"][0]["dimensions"] = ["gamma"]
    (mini_folder / "tools.yaml").write_text(yaml.safe_dump(tools), encoding="utf-8")
    with pytest.raises(DefinitionErrors) as info:
        load_folder(mini_folder)
    messages = [str(e) for e in info.value.errors]
    assert any("tools[0].relevant_when[0].item" in m and "(bedoelt u 'alpha-one'?)" in m
               for m in messages)
    assert any("tools[0].dimensions[0]" in m and "dimensie 'gamma' bestaat niet" in m
               for m in messages)


def test_versions_must_not_collide(tmp_path, mini_folder):
    shutil.copy(mini_folder / "mini-v1.yaml", mini_folder / "mini-copy.yaml")
    with pytest.raises(DefinitionErrors) as info:
        load_folder(mini_folder)
    [message] = [str(e) for e in info.value.errors]
    assert "versie 1 van vragenlijst 'mini' staat ook in" in message


def test_content_hash_ignores_comments_but_not_meaning(tmp_path, mini):
    a = _write(tmp_path, mini, "a-v1.yaml")
    b = tmp_path / "b-v1.yaml"
    b.write_text("# a comment\n" + a.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_questionnaire(a).content_hash == load_questionnaire(b).content_hash
    mini["title"]["nl"] = "Andere titel"
    c = _write(tmp_path, mini, "c-v1.yaml")
    assert load_questionnaire(c).content_hash != load_questionnaire(a).content_hash


def test_load_paths_without_files_is_an_error():
    with pytest.raises(DefinitionErrors):
        load_paths([])


# --- the CLI check -----------------------------------------------------------------------------


def _cli_app(tmp_path, folder):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"),
                       "SECRET_KEY": "x", "QUESTIONNAIRES": str(folder)})


def test_check_questionnaires_ok_and_touches_no_database(tmp_path):
    app = _cli_app(tmp_path, REAL)
    result = app.test_cli_runner().invoke(args=["check-questionnaires"])
    assert result.exit_code == 0, result.output
    assert "mpg versie 1, 5 dimensies" in result.output
    assert not Path(app.config["DATABASE"]).exists()


def test_check_questionnaires_fails_on_a_broken_file(tmp_path, mini):
    del mini["dimensions"][0]["items"][0]["levels"][0]
    path = _write(tmp_path, mini)
    app = _cli_app(tmp_path, REAL)
    result = app.test_cli_runner().invoke(args=["check-questionnaires", str(path)])
    assert result.exit_code == 1
    assert "dimensions[0].items[0].levels" in result.output


def test_check_catalogue_alone_uses_the_folder(tmp_path):
    app = _cli_app(tmp_path, REAL)
    result = app.test_cli_runner().invoke(
        args=["check-questionnaires", str(REAL / "tools.yaml")])
    assert result.exit_code == 0, result.output
    assert "hulpmiddelen" in result.output


# --- version 2: phases by level, audiences, short labels, sides ---------------------------------


def test_v1_phases_are_named_after_levels_by_position():
    library = load_folder(REAL)
    v1 = library.get("mpg", 1)
    # The v1 file still says 0-24 / 25-49 / 50-74 / 75-100; the loader names them by level.
    assert [(p.id, p.from_level) for p in v1.phases] == [
        ("start", 0), ("opbouw", 2), ("ingericht", 3), ("geborgd", 4)]
    assert [p.from_level for p in library.current.phases] == [0, 2, 3, 4]


def test_v1_items_borrow_the_short_labels_of_v2():
    library = load_folder(REAL)
    v1, v2 = library.get("mpg", 1), library.get("mpg", 2)
    shared = set(v1.items) & set(v2.items)
    assert len(shared) >= 20
    for item_id in shared:
        assert v1.items[item_id].short == v2.items[item_id].short
    dropped = v1.items["governance-housing-policy"]
    assert dropped.short is None and dropped.label("nl") == dropped.statement.nl


def test_an_unknown_audience_is_refused_with_a_suggestion(tmp_path, mini):
    mini["dimensions"][0]["items"][0]["audience"] = ["polce"]
    errors = _errors(_write(tmp_path, mini))
    assert any("onbekende doelgroep 'polce'" in e and "bedoelt u 'police'" in e for e in errors)


def test_phase_levels_must_rise_from_zero(tmp_path, mini):
    for phase, level in zip(mini["phases"], (1, 3), strict=True):
        phase.pop("min"), phase.pop("max")
        phase["from_level"] = level
    errors = _errors(_write(tmp_path, mini))
    assert any("'from_level' moet bij 0 beginnen" in e for e in errors)


def test_audience_expands_sides_and_keeps_other_seeing_everything():
    library = load_folder(REAL)
    housing = library.current.items["governance-housing-agreements"]
    assert housing.asks("housing") and housing.asks("municipality-security")
    assert housing.asks("other") and not housing.asks("police")
    police = library.current.items["connection-child-police"]
    assert police.asks("salvation-army-probation") and police.asks("salvation-army-youth")
    assert not police.asks("education")
    # Every role group that can be chosen is asked a real part of the scan.
    from selfscan.core.roles import ROLE_GROUPS
    for role in ROLE_GROUPS:
        asked = library.current.structure_for(role.id)
        assert sum(len(items) for items in asked.values()) >= 10, role.id


def test_sides_follow_the_chain():
    from selfscan.core.roles import BY_ID, ROLE_GROUPS, offered_role_group
    assert BY_ID["education"].side == "other" and BY_ID["housing"].side == "other"
    assert BY_ID["salvation-army-probation"].side == "justice"
    assert BY_ID["salvation-army-youth"].side == "care"
    # The old combined role stays readable for existing respondents but is not offered.
    assert BY_ID["salvation-army"].side == "other"
    assert "salvation-army" not in {r.id for r in ROLE_GROUPS}
    assert offered_role_group("salvation-army") is None
    assert offered_role_group("police") is BY_ID["police"]
