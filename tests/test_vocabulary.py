"""One Dutch word per concept (docs/vocabulary.md): the Dutch source strings of the message
catalogue and the texts of the current questionnaire use no known synonym of the product's words.

The strings are extracted from the source with babel.cfg at test time, so the check never depends
on whether the catalogue was updated after the last change.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = ROOT / "questionnaires"

# A synonym (regular expression, whole words, case-insensitive) -> the word the product uses.
SYNONYMS: dict[str, str] = {
    r"respondent(en)?": "deelnemer",
    r"invullers?": "deelnemer",
    r"(scan|meet)-?ronde[ns]?": "ronde",
    r"ronden": "rondes",
    r"dimensies?": "onderdeel",
    r"thema(['\u2019]s)?": "onderdeel",
    r"items?": "stelling",
    r"indicatoren|indicators?": "stelling",
    r"coordinators?": "coördinator",
    r"resultaten|resultaat|uitslag(en)?": "uitkomsten",
    r"opmerking(en)?|commentaar": "toelichting",
    r"instrument(en)?|tools?": "hulpmiddel",
    r"aanbeveling(en)?": "hulpmiddelen ('Wat kunt u doen?')",
    r"benchmark": "landelijke vergelijking",
    r"fasen": "fases",
    r"lees-?links?": "alleen-lezen link",
    r"inleveren|ingeleverd": "indienen",
}

# Texts in the questionnaire describe the municipality's approach, not this product: only the
# words that name the scan's own concepts are checked there ("resultaat" of an approach, the
# "coördinator van de aanpak" and the "instrumenten" of a pilot are ordinary Dutch).
QUESTIONNAIRE_SYNONYMS = ("respondent(en)?", "invullers?", "(scan|meet)-?ronde[ns]?",
                          "dimensies?", "items?", "indicatoren|indicators?")

# "vraag" is the word for a context question (it does not count in the score); a scored
# statement is a "stelling". Noun uses of vraag/vragen are checked, apart from these msgids.
VRAAG_NOUN = re.compile(r"\b(de|een|deze|die|elke|iedere|alle|welke|paar|geen|\d+)\s+vra(ag|gen)\b",
                        re.I)
VRAAG_ALLOWED = {
    # The context questions themselves.
    "Eerst een paar vragen over uw aanpak.",
    "Deze vragen tellen niet mee in de scores.",
    "Niemand heeft deze vraag beantwoord.",
    # "the question whether": not a question of the scan.
    "de beoordeling gaat alleen over de vraag of de ronde",
}

# Known occurrences still to change, as (file, synonym pattern); empty now. An entry that no
# longer matches only warns, so that fixing it never breaks this test.
PENDING: set[tuple[str, str]] = set()


def catalogue_msgids() -> list[tuple[str, int, str]]:
    """(file, line, Dutch msgid) of every translatable string, plural forms included."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append((filename.replace("\\", "/"), lineno, text))
    return found


def _dutch_texts(node: Any, place: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "nl" and isinstance(value, str):
                yield place, value
            else:
                yield from _dutch_texts(value, f"{place}.{key}" if place else str(key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _dutch_texts(value, f"{place}[{n}]")


def current_questionnaire() -> Path:
    """The questionnaire file with the highest version: the one new rounds use."""
    files = []
    for path in QUESTIONNAIRES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "dimensions" in data:
            files.append((int(data["version"]), path))
    return max(files)[1]


def _hits(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(rf"\b(?:{pattern})\b", text, re.I)]


@pytest.fixture(scope="module")
def msgids() -> list[tuple[str, int, str]]:
    found = catalogue_msgids()
    assert len(found) > 300, "the extraction found too few strings: is babel.cfg still right?"
    return found


def test_the_catalogue_uses_one_word_per_concept(msgids):
    problems, pending_seen = [], set()
    for filename, lineno, text in msgids:
        for pattern, word in SYNONYMS.items():
            hits = _hits(pattern, text)
            if not hits:
                continue
            if (filename, pattern) in PENDING:
                pending_seen.add((filename, pattern))
                continue
            problems.append(f"{filename}:{lineno}: {hits[0]!r} -> use {word!r}: {text[:120]!r}")
    _warn_stale(pending_seen, {p for p in PENDING if p[1] != "vraag"})
    assert not problems, "Synonyms of the product's words (docs/vocabulary.md):\n" + \
        "\n".join(problems)


def test_vraag_is_only_a_context_question(msgids):
    problems, pending_seen = [], set()
    for filename, lineno, text in msgids:
        if not VRAAG_NOUN.search(text) or any(ok in text for ok in VRAAG_ALLOWED):
            continue
        if (filename, "vraag") in PENDING:
            pending_seen.add((filename, "vraag"))
            continue
        problems.append(f"{filename}:{lineno}: {text[:120]!r}")
    _warn_stale(pending_seen, {p for p in PENDING if p[1] == "vraag"})
    assert not problems, ("A scored statement is a 'stelling'; 'vraag' is for the context "
                          "questions only:\n" + "\n".join(problems))


def test_the_current_questionnaire_uses_the_products_words():
    path = current_questionnaire()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = []
    for place, text in _dutch_texts(data):
        for pattern in QUESTIONNAIRE_SYNONYMS:
            for hit in _hits(pattern, text):
                problems.append(f"{path.name} {place}: {hit!r} -> use {SYNONYMS[pattern]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text, pattern", [
    ("Aantal respondenten per rolgroep", r"respondent(en)?"),
    ("De scanronde is gesloten", r"(scan|meet)-?ronde[ns]?"),
    ("Per dimensie", r"dimensies?"),
    ("Een van de vijf thema\u2019s", r"thema(['\u2019]s)?"),
    ("Bekijk de resultaten", r"resultaten|resultaat|uitslag(en)?"),
    ("Uw opmerking", r"opmerking(en)?|commentaar"),
])
def test_the_check_catches_a_synonym(text, pattern):
    assert _hits(pattern, text)


@pytest.mark.parametrize("text", [
    "Deelnemers vullen de scan anoniem in.",  # deelnemer, not respondent
    "De coördinator sluit de ronde en ziet de uitkomsten per onderdeel.",
    "Sociaal domein en veiligheid",  # "domein" is not "dimensie"
    "Uitnodigingslink",  # "link" alone is not a synonym
])
def test_the_check_leaves_the_products_words_alone(text):
    assert not any(_hits(pattern, text) for pattern in SYNONYMS)


def test_the_vraag_check_tells_a_question_from_a_verb():
    assert VRAAG_NOUN.search("Het formulier bevat een vraag die niet op deze pagina staat.")
    assert not VRAAG_NOUN.search("Vraag de coördinator om een nieuwe link.")
    assert not VRAAG_NOUN.search("We vragen alleen uw rol.")


def test_the_vocabulary_is_documented():
    doc = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    for word in {w.split(" (")[0] for w in SYNONYMS.values()} | {"stelling", "vraag"}:
        assert f"**{word}**" in doc, f"docs/vocabulary.md does not explain {word!r}"


def _warn_stale(seen: set[tuple[str, str]], expected: set[tuple[str, str]]) -> None:
    for filename, pattern in sorted(expected - seen):
        warnings.warn(f"PENDING entry fixed, remove it: {filename} {pattern}", stacklevel=2)


# --- internal ids never shown ------------------------------------------------------------------


def _internal_ids(app) -> set[str]:
    from selfscan.core.roles import ALL_GROUPS

    ids: set[str] = set()
    for q in app.extensions["selfscan.library"].questionnaires:
        ids |= {q.id, f"{q.id}-v{q.version}", f"{q.id}:{q.version}"}
        ids |= {d.id for d in q.dimensions} | set(q.items)
    return ids | {g.id for g in ALL_GROUPS}


def _shown_ids(page: str, ids: set[str]) -> list[str]:
    from pages import text_of

    words = set(re.findall(r"[a-z0-9][a-z0-9:_-]*[a-z0-9]", text_of(page)))
    # <title> and the visible text; attribute values (ids, names, hidden fields) are not shown.
    return sorted(words & ids)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_page_shows_an_internal_id(app, client, lang):
    from factories import connection, make_round, varied

    from selfscan.storage import readonly_links

    closed = make_round(app, varied(4), municipality="GM1900", comments={"connection": "ok"})
    open_round = make_round(app, varied(2), submitted=1, closed=False)
    with connection(app) as db:
        readonly = readonly_links.create_or_replace(db, closed.round_id)
    started = open_round.respondents[1][1]
    pages = {
        "home": "/", "start": "/start", "privacy": "/privacy", "accessibility": "/toegankelijkheid",
        "login": "/ccv/inloggen", "contact": "/links-opnieuw", "404": "/bestaat-niet",
        "invitation": f"/i/{open_round.invitation}",
        "saved": f"/r/{started}/opgeslagen", "done": f"/r/{open_round.respondents[0][1]}/klaar",
        "coordinator": f"/c/{closed.coordinator}", "results": f"/c/{closed.coordinator}/uitkomsten",
        "report": f"/c/{closed.coordinator}/uitkomsten/rapport", "readonly": f"/l/{readonly}",
    }
    pages |= {f"step {n}": f"/r/{started}/stap/{n}" for n in range(1, 8)}
    ids = _internal_ids(app)
    if lang == "en":
        # One-word ids such as "connection" or "police" are ordinary English words.
        library = app.extensions["selfscan.library"]
        ids = {i for i in ids if "-" in i or ":" in i} | {q.id for q in library.questionnaires}
    problems = []
    headers = {"Accept-Language": lang}
    for name, path in pages.items():
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 404), (name, response.status_code)
        shown = _shown_ids(response.get_data(as_text=True), ids)
        if shown:
            problems.append(f"{name} ({path}): {shown}")
    assert not problems, "Internal ids shown to people:\n" + "\n".join(problems)


def test_the_id_check_sees_an_id_in_the_text_but_not_in_attributes():
    ids = {"mpg", "connection", "municipality-security"}
    assert _shown_ids("<p>Vragenlijst mpg, versie 2</p>", ids) == ["mpg"]
    assert _shown_ids('<input type="hidden" name="version" value="mpg:2">'
                      '<li id="dim-connection">Verbinding</li>', ids) == []
