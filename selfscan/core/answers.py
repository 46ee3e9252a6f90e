"""A respondent's pages: which pages a questionnaire has, and the answers one page submit carries.

Plain Python. Messages are Dutch source strings marked with ``N_`` (the message id), with their
parameters; the web layer translates them into the language of the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from selfscan.core.messages import N_, Message
from selfscan.core.questionnaire import ContextQuestion, Dimension, Item, Questionnaire

COMMENT_MAX = 1000
ANSWER_VALUES = ("0", "1", "2", "3", "4", "unknown", "na")
# Fields every page may carry besides the answers themselves.
_FORM_FIELDS = ("csrf_token", "action", "version", "form_nonce")


class PageRefused(Exception):
    """A page submit that no honest form can send; nothing of it is saved."""

    def __init__(self, text: str, **params: Any) -> None:
        self.message = Message(text, params)
        super().__init__(text)


FormData = Any
"""A submitted form: werkzeug's MultiDict, or anything with keys(), get(), getlist() and ``in``."""


@dataclass(frozen=True)
class Step:
    """One page of the questionnaire: the context questions, a dimension, or the review."""

    number: int
    kind: Literal["context", "dimension", "review"]
    dimension: Dimension | None = None


def steps_of(q: Questionnaire) -> list[Step]:
    """The pages of a questionnaire: context, one per dimension, then the review."""
    steps = [Step(1, "context")]
    steps += [Step(n, "dimension", d) for n, d in enumerate(q.dimensions, start=2)]
    steps.append(Step(len(q.dimensions) + 2, "review"))
    return steps


def step_of(q: Questionnaire, number: int) -> Step | None:
    """The page with this number, or None when there is none."""
    steps = steps_of(q)
    return steps[number - 1] if 1 <= number <= len(steps) else None


def asked_items(dimension: Dimension, role_group: str | None) -> tuple[Item, ...]:
    """The items of a dimension that a respondent of this role group is asked (their audience)."""
    return tuple(i for i in dimension.items if i.asks(role_group))


def first_open_step(q: Questionnaire, answers: Mapping[str, Any],
                    role_group: str | None = None) -> int:
    """The first dimension page with an unanswered item this respondent is asked; the review
    page when all are answered."""
    for step in steps_of(q):
        if step.dimension is not None and any(
                i.id not in answers for i in asked_items(step.dimension, role_group)):
            return step.number
    return len(q.dimensions) + 2


@dataclass
class PageInput:
    """What one page submit carries, validated against the questionnaire of the round."""

    answers: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    # Per dimension: whether the working session may show the comment, without a name.
    shares: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)  # field name -> message



def parse_page(q: Questionnaire, step: Step, form: FormData,
               role_group: str | None = None) -> PageInput:
    """Validate a page's fields. Raises PageRefused for anything that no honest form can send;
    a value a person can get wrong (a comment too long, a number out of range) becomes an error
    in ``PageInput.errors`` while the other answers are kept."""
    page = PageInput()
    version = form.get("version")
    if version is not None and version != f"{q.id}:{q.version}":
        raise PageRefused(N_("Deze antwoorden horen bij een andere versie van de vragenlijst. "
                             "Open uw persoonlijke link opnieuw; wat al was opgeslagen, is "
                             "bewaard."))
    dimension = step.dimension if step.kind == "dimension" else None
    # An item outside the respondent's audience is not on their page, so no honest form sends it.
    items = ({i.id: i for i in asked_items(dimension, role_group)}
             if dimension is not None else {})
    questions = {c.id: c for c in q.context_questions} if step.kind == "context" else {}
    for key in form.keys():
        if key in _FORM_FIELDS:
            continue
        if key.startswith("item-"):
            _parse_item(key, items, form, page)
        elif dimension is not None and key == "comment-" + dimension.id:
            _parse_comment(key, dimension.id, form, page)
        elif dimension is not None and key == "share-" + dimension.id:
            _parse_share(key, dimension.id, form, page)
        elif key.startswith("context-") and key[8:] in questions:
            _parse_context(questions[key[8:]], form, page)
        else:
            raise PageRefused(N_("Het formulier bevat een veld dat de zelfscan niet kent. Er is "
                                 "niets opgeslagen van deze pagina; wat u eerder opsloeg, is "
                                 "bewaard."))
    for question in questions.values():
        # A browser sends nothing for a group of unticked boxes: that means "none chosen".
        if question.type == "multi_choice" and "context-" + question.id not in form:
            page.context[question.id] = []
    if dimension is not None:
        _settle_share(dimension.id, form, page)
    return page


def _settle_share(dimension_id: str, form: FormData, page: PageInput) -> None:
    # An unticked share box sends nothing: on a page whose comment field was sent, that means
    # "do not share". Without the comment field (an older page) the choice stays as it was, and
    # a comment that is refused (too long) keeps its stored choice with its stored text.
    key = "comment-" + dimension_id
    if key not in form or key in page.errors:
        page.shares.pop(dimension_id, None)
    else:
        page.shares.setdefault(dimension_id, False)


def _parse_item(key: str, items: Mapping[str, Any], form: FormData, page: PageInput) -> None:
    item_id = key[5:]
    if item_id not in items:
        raise PageRefused(N_("Het formulier bevat een stelling of vraag die niet op deze pagina staat. Er is "
                             "niets opgeslagen van deze pagina; wat u eerder opsloeg, is "
                             "bewaard."))
    value = form.get(key)
    if value not in ANSWER_VALUES:
        raise PageRefused(N_("Een antwoord heeft een waarde die niet bij de stelling of vraag hoort. Er is "
                             "niets opgeslagen van deze pagina; wat u eerder opsloeg, is "
                             "bewaard."))
    page.answers[item_id] = value


def _parse_comment(key: str, dimension_id: str, form: FormData, page: PageInput) -> None:
    text = (form.get(key) or "").replace("\x00", "").replace("\r\n", "\n")
    if len(text) > COMMENT_MAX:
        page.errors[key] = Message(
            N_("Uw toelichting is %(n)s tekens lang; er passen er %(max)s in. Maak hem korter. "
               "Uw keuzes bij de stellingen zijn wel opgeslagen, de toelichting nog niet."),
            {"n": len(text), "max": COMMENT_MAX})
    else:
        page.comments[dimension_id] = text


def _parse_share(key: str, dimension_id: str, form: FormData, page: PageInput) -> None:
    if form.get(key) != "1":
        raise _refuse_value()
    page.shares[dimension_id] = True


def _refuse_value() -> PageRefused:
    return PageRefused(N_("Een antwoord heeft een waarde die niet bij de stelling of vraag hoort."))


def _parse_context(question: ContextQuestion, form: FormData, page: PageInput) -> None:
    key = "context-" + question.id
    if question.type == "multi_choice":
        values = form.getlist(key)
        order = [o.id for o in question.options]
        if any(v not in order for v in values):
            raise _refuse_value()
        page.context[question.id] = sorted(set(values), key=order.index)
        return
    raw = (form.get(key) or "").strip()
    if question.type == "choice":
        if raw and raw not in {o.id for o in question.options}:
            raise _refuse_value()
        page.context[question.id] = raw or None
    elif question.type in ("number", "year"):
        _parse_number(question, key, raw, page)
    else:
        text = raw.replace("\x00", "")
        if len(text) > question.max_length:
            page.errors[key] = Message(N_("Uw antwoord is %(n)s tekens lang; er passen er "
                                          "%(max)s in."), {"n": len(text),
                                                           "max": question.max_length})
        else:
            page.context[question.id] = text or None


def _parse_number(question: ContextQuestion, key: str, raw: str, page: PageInput) -> None:
    if not raw:
        page.context[question.id] = None
        return
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else (
        date.today().year if question.type == "year" else 10**9)
    try:
        number: int | None = int(raw.replace(".", "").replace(" ", ""))
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        page.errors[key] = Message(N_("Vul een heel getal in van %(low)s tot en met %(high)s."),
                                   {"low": low, "high": high})
    else:
        page.context[question.id] = number
