"""Content checks beyond the file format: catalogue coverage and upkeep, and plain-language length.

``flask --app selfscan check-questionnaires`` prints these findings after the format checks of
``selfscan.loading``. Errors make the command fail; warnings do not. Messages are Dutch, like the
other author messages. Plain Python on the loaded model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from selfscan.core.questionnaire import Catalogue, Library, Questionnaire, Text

MAX_WORDS: Final = 20
"""B1 Dutch: sentences of at most this many words where possible."""

CHECK_EVERY: Final = timedelta(days=365)
"""A catalogue entry whose links and facts were checked longer ago than this gets a warning."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Finding:
    severity: Literal["fout", "waarschuwing"]
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.place}: {self.message}"


def long_sentences(text: str, limit: int = MAX_WORDS) -> list[tuple[int, str]]:
    """The sentences of ``text`` with more than ``limit`` words, with their word counts."""
    out = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        words = len(sentence.split())
        if words > limit:
            out.append((words, sentence))
    return out


def _texts(q: Questionnaire) -> Iterator[tuple[str, Text]]:
    yield "intro", q.intro
    for p, phase in enumerate(q.phases):
        yield f"phases[{p}].description", phase.description
    for c, question in enumerate(q.context_questions):
        yield f"context_questions[{c}].question", question.question
        if question.help is not None:
            yield f"context_questions[{c}].help", question.help
    for d, dim in enumerate(q.dimensions):
        yield f"dimensions[{d}].description", dim.description
        for i, item in enumerate(dim.items):
            base = f"dimensions[{d}].items[{i}] ({item.id})"
            yield f"{base}.statement", item.statement
            yield f"{base}.why", item.why
            for n, level in enumerate(item.levels):
                yield f"{base}.levels[{n}]", level


def readability(q: Questionnaire, limit: int = MAX_WORDS) -> list[Finding]:
    """A warning per Dutch sentence longer than ``limit`` words."""
    return [
        Finding("waarschuwing", f"{q.source}: {place}",
                f"zin van {words} woorden (B1: hoogstens {limit}): “{sentence[:60]}…”")
        for place, text in _texts(q)
        for words, sentence in long_sentences(text.nl, limit)
    ]


def catalogue(library: Library, today: date) -> list[Finding]:
    """Coverage of the current version's items, duplicates, https links and checked dates."""
    cat: Catalogue = library.catalogue
    findings: list[Finding] = []
    covered = {item_id for tool in cat.tools for item_id, _level in tool.relevant_when}
    if cat.tools and library.questionnaires:
        current = library.current
        for item in current.items.values():
            if item.id not in covered:
                findings.append(Finding(
                    "fout", f"{current.source}: {item.id}",
                    "geen hulpmiddel en geen coachingroute in tools.yaml noemt deze stelling "
                    "in relevant_when"))
    seen_urls: dict[str, str] = {}
    seen_titles: dict[str, str] = {}
    for tool in cat.tools:
        place = f"tools.yaml: {tool.id}"
        if not tool.url.startswith("https://"):
            findings.append(Finding("fout", place, f"de link {tool.url!r} is geen https-link"))
        for key, seen, what in ((tool.url, seen_urls, "link"),
                                (tool.title.nl.casefold(), seen_titles, "titel")):
            if key in seen:
                findings.append(Finding("fout", place, f"dezelfde {what} als {seen[key]}"))
            else:
                seen[key] = tool.id
        findings += _checked(place, tool.checked, today)
    return findings


def _checked(place: str, checked: str | None, today: date) -> list[Finding]:
    if checked is None:
        return [Finding("fout", place, "'checked' ontbreekt: wanneer is de link nagekeken?")]
    try:
        when = date.fromisoformat(checked)
    except ValueError:
        return [Finding("fout", place, f"'checked' {checked!r} is geen datum (JJJJ-MM-DD)")]
    if when > today:
        return [Finding("fout", place, f"'checked' {checked} ligt in de toekomst")]
    if today - when > CHECK_EVERY:
        return [Finding("waarschuwing", place,
                        f"de link en de gegevens zijn voor het laatst nagekeken op {checked}, "
                        "meer dan een jaar geleden: kijk ze opnieuw na")]
    return []


def findings(library: Library, today: date) -> list[Finding]:
    """Every content finding: the catalogue, and readability of each questionnaire's newest
    version (older versions are frozen: their texts cannot change any more)."""
    newest: dict[str, Questionnaire] = {}
    for q in library.questionnaires:
        if q.id not in newest or q.version > newest[q.id].version:
            newest[q.id] = q
    out = catalogue(library, today)
    for q in newest.values():
        out += readability(q)
    return out
