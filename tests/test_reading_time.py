"""The time a respondent is told: computed from the words the pages show, and within the goal."""

from __future__ import annotations

import dataclasses
import math
import re
from html import unescape

import pytest

from selfscan.core import reading_time as rt
from selfscan.core.questionnaire import Text
from selfscan.core.roles import ROLE_GROUPS

EXTRA = {"nl": ("Weet ik niet", "Niet van toepassing"), "en": ("Don't know", "Not applicable")}
# The role groups asked every statement of a dimension (see core.roles): the municipality's own
# departments and anyone who sees everything.
EVERY_STATEMENT = {"municipality-security", "municipality-social", "municipality-education",
                   "other"}


def test_words_are_counted_as_a_reader_counts_them():
    assert rt.words("") == 0
    assert rt.words("Er is geen casusoverleg.") == 4
    assert rt.words("zorg- en veiligheidsstructuur") == 3
    assert rt.words("Don't know") == 2
    assert rt.words("2 · In ontwikkeling") == 3  # the dot between is not a word
    assert rt.words("Het Zorg- en Veiligheidshuis (ZVH) in 's-Hertogenbosch.") == 7


def test_a_level_shows_its_first_sentence_and_keeps_the_rest():
    assert rt.compact_level("Er is geen casusoverleg. Partners bespreken gezinnen niet samen.") == (
        "Er is geen casusoverleg.", "Partners bespreken gezinnen niet samen.")
    assert rt.compact_level("Eén zin zonder meer.") == ("Eén zin zonder meer.", "")
    # An abbreviation followed by a lower-case word does not end the sentence.
    assert rt.compact_level("Partners, o.a. de politie, overleggen. Soms.") == (
        "Partners, o.a. de politie, overleggen.", "Soms.")
    # Nothing is lost: the two parts are the whole text.
    text = "Alle partners doen mee.  Bij het volgende overleg\n kijken ze. Ook de school."
    first, rest = rt.compact_level(text)
    assert " ".join(f"{first} {rest}".split()) == " ".join(text.split())


def test_minutes_follow_the_words_and_the_rates(q):
    role = "police"
    words = rt.questionnaire_words(q, role, "nl", EXTRA["nl"])
    answers = rt.answers_asked(q, role)
    expected = math.ceil((words * 60 / rt.WORDS_PER_MINUTE["nl"]
                          + answers * rt.SECONDS_PER_ANSWER + rt.REVIEW_SECONDS) / 60)
    assert rt.minutes(q, role, "nl", EXTRA["nl"]) == expected
    # The words are the context page and the dimension pages, nothing else.
    assert words == rt.context_words(q, "nl") + sum(
        rt.page_words(q, d, role, "nl", EXTRA["nl"]) for d in q.dimensions)
    # A respondent asked fewer statements reads less.
    assert rt.questionnaire_words(q, "housing", "nl") < rt.questionnaire_words(q, role, "nl")


def test_a_longer_questionnaire_states_a_longer_time(q):
    dimension = q.dimensions[0]
    item = dimension.items[0]
    longer = dataclasses.replace(item, statement=Text(item.statement.nl + " extra" * 400))
    changed = dataclasses.replace(q, dimensions=(
        dataclasses.replace(dimension, items=(longer, *dimension.items[1:])), *q.dimensions[1:]))
    assert rt.minutes(changed, None, "nl") >= rt.minutes(q, None, "nl") + 2
    # Text on demand does not count: a longer second sentence of a level changes nothing.
    levels = (Text(item.levels[0].nl + " Nog veel meer tekst" * 50), *item.levels[1:])
    folded = dataclasses.replace(item, levels=levels)
    same = dataclasses.replace(q, dimensions=(
        dataclasses.replace(dimension, items=(folded, *dimension.items[1:])), *q.dimensions[1:]))
    assert rt.questionnaire_words(same, None, "nl") == rt.questionnaire_words(q, None, "nl")


def test_the_page_word_count_is_what_the_item_fragments_show(app, q):
    """The count that gives the minutes is the count of the statement, level names and lines
    that web.fragment_cache writes: the same splitting, the same texts."""
    from selfscan.web import fragment_cache

    labels = fragment_cache.Labels("Stelling %(n)s van %(total)s", "Waarom?", *EXTRA["nl"])
    for d in q.dimensions:
        fragments = fragment_cache.item_fragments(q, d, "nl", labels, "police")
        for item in (i for i in d.items if i.asks("police")):
            html = str(fragments[item.id].render(None, False))
            shown = _shown_words(html)
            assert shown == rt.item_words(q, item, "nl", EXTRA["nl"]), item.id


def _shown_words(html: str) -> int:
    statement = re.search(r'<span class="visually-hidden">:</span></span> (.*?)</legend>', html)
    parts = [statement.group(1)] if statement else []
    parts += re.findall(r'<span class="level__(?:name|text)">(.*?)</span>', html)
    return sum(rt.words(unescape(p)) for p in parts)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_roles_asked_part_of_the_scan_need_at_most_20_minutes(q, lang):
    for role in ROLE_GROUPS:
        if role.id in EVERY_STATEMENT:
            continue
        assert rt.minutes(q, role.id, lang, EXTRA[lang]) <= rt.TARGET_MINUTES, role.id


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_roles_asked_every_statement_need_at_most_20_minutes(q, lang):
    for role in sorted(EVERY_STATEMENT):
        assert rt.minutes(q, role, lang, EXTRA[lang]) <= rt.TARGET_MINUTES, role


def test_the_minutes_cache_keys_on_everything_the_count_depends_on(q):
    # A cache keyed on too little would state one language's or one role's time for another.
    from selfscan.web import minutes_cache

    minutes_cache.clear()
    for role in ROLE_GROUPS:
        for lang in ("nl", "en"):
            assert minutes_cache.minutes(q, role.id, lang, EXTRA[lang]) == \
                rt.minutes(q, role.id, lang, EXTRA[lang]), (role.id, lang)
    longer = ("Weet ik niet " * 200, "Niet van toepassing " * 200)
    assert minutes_cache.minutes(q, "police", "nl", longer) == rt.minutes(q, "police", "nl", longer)
    assert minutes_cache.minutes(q, "police", "nl", longer) > \
        minutes_cache.minutes(q, "police", "nl", EXTRA["nl"])
