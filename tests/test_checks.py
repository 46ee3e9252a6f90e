"""The content checks of check-questionnaires: catalogue coverage and upkeep, sentence length."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import yaml

from selfscan import create_app
from selfscan.core import checks
from selfscan.core.questionnaire import Catalogue, Text
from selfscan.loading import load_paths, load_questionnaire

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 12, 1)


def _library():
    return load_paths([FIXTURES / "mini-v1.yaml", FIXTURES / "tools.yaml"])


def test_long_sentences_are_counted_per_sentence() -> None:
    short = "De gemeente heeft de regie. Zij brengt partners bij elkaar."
    assert checks.long_sentences(short) == []
    long = " ".join(["woord"] * 21) + ". Kort."
    assert checks.long_sentences(long) == [(21, " ".join(["woord"] * 21) + ".")]


def test_readability_names_the_place_of_a_long_sentence() -> None:
    q = load_questionnaire(FIXTURES / "mini-v1.yaml")
    item = q.dimensions[0].items[1]
    longer = dataclasses.replace(item, why=Text(" ".join(["lang"] * 25) + "."))
    dim = dataclasses.replace(q.dimensions[0], items=(q.dimensions[0].items[0], longer,
                                                      q.dimensions[0].items[2]))
    q = dataclasses.replace(q, dimensions=(dim, q.dimensions[1]))
    found = checks.readability(q)
    assert [f.severity for f in found] == ["waarschuwing"]
    assert "dimensions[0].items[1] (alpha-two).why" in found[0].place
    assert "25 woorden" in found[0].message


def test_catalogue_findings_coverage_duplicates_https_and_dates() -> None:
    library = _library()
    # The fixture covers only alpha-one: every other item of the current version is an error.
    found = checks.catalogue(library, TODAY)
    uncovered = {f.place.rsplit(": ", 1)[1] for f in found if "relevant_when" in f.message}
    assert uncovered == set(library.current.items) - {"alpha-one"}
    guide, coaching = library.catalogue.tools
    stale = dataclasses.replace(coaching, url=guide.url.replace("https", "http"),
                                checked="2025-11-30", title=Text("Alfa-gids"),
                                relevant_when=tuple((i, 4) for i in library.current.items))
    dup = dataclasses.replace(guide, id="dup", checked="2027-01-01")
    library = dataclasses.replace(library, catalogue=Catalogue((guide, stale, dup)))
    found = checks.catalogue(library, TODAY)
    messages = [(f.severity, f.place, f.message) for f in found]
    assert ("fout", "tools.yaml: ccv-coaching", f"de link {stale.url!r} is geen https-link") \
        in messages
    assert ("fout", "tools.yaml: ccv-coaching", "dezelfde titel als alpha-guide") in messages
    assert ("fout", "tools.yaml: dup", "dezelfde link als alpha-guide") in messages
    assert any(s == "fout" and p == "tools.yaml: dup" and "toekomst" in m
               for s, p, m in messages)
    assert any(s == "waarschuwing" and p == "tools.yaml: ccv-coaching" and "2025-11-30" in m
               for s, p, m in messages)
    assert not any("relevant_when" in m for _s, _p, m in messages)  # coaching covers them all
    # Exactly a year old is still fine.
    fresh = dataclasses.replace(stale, checked="2025-12-01", url="https://example.org/x",
                                title=Text("Coaching"))
    library = dataclasses.replace(library, catalogue=Catalogue((guide, fresh)))
    assert checks.catalogue(library, TODAY) == []


def test_check_questionnaires_fails_on_an_uncovered_item(tmp_path) -> None:
    tools = yaml.safe_load((FIXTURES / "tools.yaml").read_text(encoding="utf-8"))
    for name in ("mini-v1.yaml",):
        (tmp_path / name).write_text((FIXTURES / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "tools.yaml").write_text(yaml.safe_dump(tools), encoding="utf-8")
    app = create_app({"TESTING": True, "QUESTIONNAIRES": str(tmp_path),
                      "DATABASE": str(tmp_path / "x.sqlite")})
    result = app.test_cli_runner().invoke(args=["check-questionnaires"])
    assert result.exit_code == 1
    assert "fout: " in result.output and "beta-one" in result.output
    # Covering every item with the coaching route makes it pass.
    tools["tools"][1]["relevant_when"] = [
        {"item": i, "max_level": 1} for i in
        ("alpha-two", "alpha-three", "beta-one", "beta-two", "beta-three")]
    (tmp_path / "tools.yaml").write_text(yaml.safe_dump(tools), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["check-questionnaires"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "x.sqlite").exists()
