"""How long a respondent needs for the questionnaire, from the words its pages show.

Plain Python. The time stated to a respondent ("about N minutes") is computed here from the texts
the questionnaire pages show by default, so that a longer questionnaire states a longer time and
the stated number cannot drift away from the pages (tests count the words of the rendered pages
against ``page_words``).

What counts, per page:

* a dimension page: its title and description; per statement the respondent's role group is
  asked: the statement, and per level its number, its name and its first sentence (the compact
  line that ``compact_level`` gives; the rest of a description is folded away and read on
  demand), and the labels of the two answers outside the scale ("don't know", "not
  applicable"), passed in by the web layer in the page's language;
* the first page: every context question with its help text and its options.

What does not count: the explanation behind "Why do we ask this?" and the rest of each level
description (both shown on demand only), the page's navigation (progress, position "statement 3
of 7", buttons), and the optional comment at the end of a page with its hint and its share
choice: a respondent who writes one takes longer than stated, by their own choice.

The rates, and why:

* Reading: ``WORDS_PER_MINUTE`` is 200 for Dutch and 230 for English. Common figures for silent
  reading of non-fiction by adults are 200 to 240 words per minute; Brysbaert's meta-analysis
  (2019, "How many words do we read per minute?") puts English non-fiction at about 238. A
  respondent reads to judge, comparing five descriptions against their own practice, so we take
  a rate below that; Dutch words are longer on average (compounds such as
  "zorg- en veiligheidsstructuur"), so Dutch gets the lower end of the range.
* Answering: ``SECONDS_PER_ANSWER`` (5 s) per statement and per context question, for choosing an
  option after reading the options: clicking is quick, deciding between two close levels is
  not, and the reading of the options is already counted above.
* ``REVIEW_SECONDS`` (60 s) for the review page and submitting.

The total is rounded up to whole minutes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from selfscan.core.questionnaire import Dimension, Item, Questionnaire

WORDS_PER_MINUTE: dict[str, int] = {"nl": 200, "en": 230}
SECONDS_PER_ANSWER = 5
REVIEW_SECONDS = 60
TARGET_MINUTES = 20
"""The time a respondent should need at most (issue 15); a test holds every role group to it."""

# A word: letters or digits, with inner hyphens or apostrophes ("zorg-", "don't", "'s" count once).
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# A sentence ends at . ! or ? followed by white space and a capital, a digit or an opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9À-Ý'‘\"(])")


def words(text: str) -> int:
    """The number of words in a text, as a reader counts them."""
    return len(_WORD.findall(text))


def compact_level(text: str) -> tuple[str, str]:
    """A level description split into its first sentence (always shown) and the rest (shown on
    demand; empty when the description is one sentence)."""
    text = " ".join(text.split())
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def level_label(q: Questionnaire, level: int, lang: str) -> str:
    """The name of a level as every option shows it: "2 · In ontwikkeling"."""
    return f"{level} · {q.levels[level].name.get(lang)}"


def item_words(q: Questionnaire, item: Item, lang: str, extra_options: Sequence[str] = ()) -> int:
    """The words one statement shows by default: statement, compact levels, extra options."""
    count = words(item.statement.get(lang))
    for level, text in enumerate(item.levels):
        count += words(level_label(q, level, lang)) + words(compact_level(text.get(lang))[0])
    return count + sum(words(label) for label in extra_options)


def page_words(q: Questionnaire, dimension: Dimension, role_group: str | None, lang: str,
               extra_options: Sequence[str] = ()) -> int:
    """The words a dimension page shows by default to a respondent of this role group."""
    count = words(dimension.title.get(lang)) + words(dimension.description.get(lang))
    return count + sum(item_words(q, item, lang, extra_options)
                       for item in dimension.items if item.asks(role_group))


def context_words(q: Questionnaire, lang: str) -> int:
    """The words of the context questions on the first page: questions, help, options."""
    count = 0
    for question in q.context_questions:
        count += words(question.question.get(lang))
        count += words(question.help.get(lang)) if question.help else 0
        count += sum(words(option.label.get(lang)) for option in question.options)
    return count


def questionnaire_words(q: Questionnaire, role_group: str | None, lang: str,
                        extra_options: Sequence[str] = ()) -> int:
    """Every word a respondent of this role group reads on the way through, by default."""
    return context_words(q, lang) + sum(
        page_words(q, d, role_group, lang, extra_options) for d in q.dimensions)


def answers_asked(q: Questionnaire, role_group: str | None) -> int:
    """How many choices a respondent of this role group makes: statements and context questions."""
    items = sum(1 for d in q.dimensions for i in d.items if i.asks(role_group))
    return items + len(q.context_questions)


def minutes(q: Questionnaire, role_group: str | None, lang: str,
            extra_options: Sequence[str] = ()) -> int:
    """The minutes a respondent of this role group needs: reading, answering and the review,
    rounded up."""
    rate = WORDS_PER_MINUTE.get(lang, WORDS_PER_MINUTE["nl"])
    seconds = (questionnaire_words(q, role_group, lang, extra_options) * 60 / rate
               + answers_asked(q, role_group) * SECONDS_PER_ANSWER + REVIEW_SECONDS)
    return math.ceil(seconds / 60)


def longest_minutes(q: Questionnaire, role_groups: Sequence[str], lang: str,
                    extra_options: Sequence[str] = ()) -> int:
    """The minutes of the role group with the most to read: what to say before a role is chosen."""
    return max(minutes(q, role, lang, extra_options) for role in role_groups)
