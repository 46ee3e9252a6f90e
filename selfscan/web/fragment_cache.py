"""The questionnaire texts of a dimension page as ready HTML, per questionnaire version and language.

A performance measure that earns its place (docs/performance.md, "Questionnaire page"): the
statements, explanations and level descriptions are most of a dimension page and the same for
every respondent. They are built here once per questionnaire version, content hash, dimension and
language; the template renders everything that differs per respondent (radio buttons, which one is
checked, links, tokens, the comment) around them with Jinja, as on any other page.

By construction nothing of a respondent can be cached: the fragments are made by plain Python from
the questionnaire, the dimension and the two translated labels passed in, never by a template
(which could see the request).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from selfscan.core.answers import ANSWER_VALUES
from selfscan.core.questionnaire import Dimension, Item, Questionnaire
from selfscan.core.reading_time import compact_level, level_label


@dataclass(frozen=True)
class ItemFragment:
    """One item as HTML with a gap in each radio button where only the template may write
    `checked` and `disabled`: the opening (fieldset, legend, the options' box), per answer value
    the markup before and after that gap, in answer order, and the closing (the folded
    explanation and full level descriptions)."""

    head: Markup
    options: tuple[tuple[str, Markup, Markup], ...]  # (answer value, before the gap, after it)
    tail: Markup = Markup("</div></fieldset>")

    def render(self, chosen: str | None, readonly: bool) -> Markup:
        """The item for one respondent: their answer checked, every button disabled when the
        page is read-only. Only these two values of the request reach the HTML."""
        disabled = " disabled" if readonly else ""
        parts: list[str] = [self.head]
        for value, before, after in self.options:
            parts += (before, " checked" if value == chosen else "", disabled, after)
        parts.append(self.tail)
        return Markup("".join(parts))


@dataclass(frozen=True)
class Labels:
    """The translated words around the questionnaire texts, in the page's language."""

    statement_number: str  # "Stelling %(n)s van %(total)s", the item's place on its page
    why: str
    unknown: str
    not_applicable: str
    full_levels: str = "Volledige beschrijvingen"  # the fold-out with every level in full


_cache: dict[tuple[object, ...], Mapping[str, ItemFragment]] = {}
_lock = threading.Lock()


def item_fragments(q: Questionnaire, dimension: Dimension, lang: str, labels: Labels,
                   role_group: str | None = None) -> Mapping[str, ItemFragment]:
    """Item id -> its fragment for the items a role group is asked (numbered among those),
    built once per version, content, dimension, language, labels and role group."""
    key = (q.key, q.content_hash, dimension.id, lang, labels, role_group)
    found = _cache.get(key)
    if found is None:
        asked = [item for item in dimension.items if item.asks(role_group)]
        found = {item.id: _fragment(q, item, (number, len(asked)), lang, labels)
                 for number, item in enumerate(asked, start=1)}
        with _lock:
            _cache[key] = found
    return found


def clear() -> None:
    """Forget every fragment (tests; a new questionnaire version never needs it)."""
    with _lock:
        _cache.clear()


def _fragment(q: Questionnaire, item: Item, position: tuple[int, int], lang: str,
              labels: Labels) -> ItemFragment:
    """One item: each level shows its name and first sentence, which label its radio button;
    the full descriptions follow in a native <details>, readable without scripts."""
    key = f"item-{item.id}"
    number, total = position
    position_text = escape(labels.statement_number.replace("%(n)s", str(number))
                           .replace("%(total)s", str(total)))
    head = Markup(
        f'<fieldset class="item" id="{key}" aria-describedby="{key}-why">'
        f'<legend class="item__statement"><span class="item__position">{position_text}'
        f'<span class="visually-hidden">:</span></span> '
        f"{escape(item.statement.get(lang))}</legend>"
        '<div class="item__levels">')
    names: list[tuple[str, str, str | None]] = [
        (ANSWER_VALUES[level], level_label(q, level, lang), compact_level(text.get(lang))[0])
        for level, text in enumerate(item.levels)]
    names += [("unknown", labels.unknown, None), ("na", labels.not_applicable, None)]
    options: list[tuple[str, Markup, Markup]] = []
    for value, name, line in names:
        extra = " level--extra" if line is None else ""
        before = Markup(f'<label class="level{extra}" for="{key}-{value}"><input type="radio" '
                        f'id="{key}-{value}" name="{key}" value="{value}"')
        description = ("" if line is None
                       else f' <span class="level__text">{escape(line)}</span>')
        after = Markup(f'> <span class="level__body"><span class="level__name">{escape(name)}'
                       f"</span>{description}</span></label>")
        options.append((value, before, after))
    # After the options, folded: why the item is asked, and every level in full.
    more = Markup(
        f'</div><div class="item__more"><details class="why" id="{key}-why">'
        f"<summary>{escape(labels.why)}</summary><p>{escape(item.why.get(lang))}</p></details>")
    return ItemFragment(head, tuple(options),
                        more + _full_levels(q, item, key, lang, labels) + Markup("</div></fieldset>"))


def _full_levels(q: Questionnaire, item: Item, key: str, lang: str, labels: Labels) -> Markup:
    """Every level description in full, folded: only where a compact line leaves text out."""
    if not any(compact_level(text.get(lang))[1] for text in item.levels):
        return Markup("")
    rows = "".join(
        f"<dt>{escape(level_label(q, level, lang))}</dt><dd>{escape(text.get(lang))}</dd>"
        for level, text in enumerate(item.levels))
    return Markup(f'<details class="why levels-full" id="{key}-full">'
                  f"<summary>{escape(labels.full_levels)}</summary>"
                  f'<dl class="levels-full__list">{rows}</dl></details>')
