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
    assert q.phases[0].min == 0 and q.phases[-1].max == 100
    assert len(q.context_questions) >= 3


def test_real_questionnaire_never_registers_ethnicity():
    text = (REAL / "mpg-v1.yaml").read_text(encoding="utf-8").lower()
    # The approach monitors per family or case; the scan never asks to register origin.
    assert "nooit" in text and "etniciteit" in text or "afkomst" in text


def test_catalogue_has_twelve_real_resources_with_publisher_pages():
    library = load_folder(REAL)
    tools = library.catalogue.tools
    assert len(tools) >= 12
    hosts = {urlsplit(t.url).hostname for t in tools}
    # Only publishers named in the domain brief.
    allowed = {"hetccv.nl", "vng.nl", "www.politieacademie.nl", "www.rijksoverheid.nl",
               "www.nieuwegein.nl", "magazines.riec.nl", "www.riec.nl"}
    assert hosts <= allowed, hosts - allowed
    assert library.catalogue.get("ccv-coaching") is not None
    items = set(library.current.items)
    covered = {item for t in tools for item, _level in t.relevant_when}
    assert covered <= items
    assert len(covered) >= len(items) * 0.8  # nearly every item leads to a resource


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
