"""The working session after a round: discussion order, agreed levels, targets and the action plan.

Plain Python. What the group agrees is kept beside the respondents' scores and never replaces
them. Every editable record carries a version: a save names the version it started from, and
a save from a stale page raises ``Conflict`` instead of overwriting someone else's change.
Messages are Dutch source strings marked with ``N_``; the web layer translates them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from selfscan.core.messages import N_, Message
from selfscan.core.questionnaire import Questionnaire
from selfscan.core.scoring import LEVEL_SCORE, LEVELS, RoundAggregate

STATUSES: Final = ("open", "busy", "done", "dropped")
# Actions that are still to be done travel into the next round of the municipality.
CARRIED_STATUSES: Final = ("open", "busy")

NOTE_MAX: Final = 1000
EVIDENCE_TITLE_MAX: Final = 200
EVIDENCE_URL_MAX: Final = 500
WHAT_MAX: Final = 300
WHO_MAX: Final = 120


class Conflict(Exception):
    """A save named a version that is no longer stored: someone else changed (or deleted) it.

    ``current`` is what is stored now (None when the record is gone), so the page can show both.
    """

    def __init__(self, current: Agreement | Target | Action | None) -> None:
        self.current = current
        super().__init__("stored version differs from the expected version")


@dataclass(frozen=True)
class Agreement:
    """What the group agreed on one item."""

    item_id: str
    agreed_level: int | None
    note: str
    evidence_title: str
    evidence_url: str
    skipped: bool
    version: int


@dataclass(frozen=True)
class Target:
    """The level the group aims at on a dimension in the next round."""

    dimension_id: str
    level: int
    version: int


@dataclass(frozen=True)
class Action:
    """One line of the plan: what, by which organisation or role, by when."""

    id: int | None
    round_id: int | None
    dimension_id: str
    item_id: str | None
    what: str
    who: str
    due: date | None
    tool_id: str | None
    status: str
    carried_from: int | None
    version: int


@dataclass(frozen=True)
class AgreementInput:
    """A validated agreement form: what a save writes."""

    agreed_level: int | None
    note: str = ""
    evidence_title: str = ""
    evidence_url: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class ActionInput:
    """A validated action form: what a save writes."""

    dimension_id: str
    item_id: str | None
    what: str
    who: str = ""
    due: date | None = None
    tool_id: str | None = None
    status: str = "open"


@dataclass(frozen=True)
class AgendaEntry:
    """An item in the order the session discusses it; skipped items come last, flagged."""

    item_id: str
    skipped: bool


# --- discussion order --------------------------------------------------------------------------


def agenda(aggregate: RoundAggregate, questionnaire: Questionnaire) -> list[str]:
    """Item ids in discussion order: the largest disagreement first (spread, then interquartile
    range), then the weakest (median; items without one last), then questionnaire order."""
    stats = {i.item_id: i for d in aggregate.dimensions.values() for i in d.items}
    order = [item_id for items in questionnaire.structure.values() for item_id in items]

    def key(position: int) -> tuple[int, float, bool, float, int]:
        item = stats.get(order[position])
        if item is None:
            return (1, 0.0, True, 0.0, position)
        # A missing spread or quartile counts as less disagreement than any measured one.
        spread = -1 if item.spread is None else item.spread
        iqr = -1.0 if item.q1 is None or item.q3 is None else item.q3 - item.q1
        median = item.median
        return (-spread, -iqr, median is None, 0.0 if median is None else median, position)

    return [order[p] for p in sorted(range(len(order)), key=key)]


def apply_order(default: Sequence[str], positions: Mapping[str, int | None],
                skipped: Collection[str]) -> list[AgendaEntry]:
    """The coordinator's order: items given a position first (by position), then the others in
    the default order; skipped items go last, in that same order, flagged."""
    index = {item_id: n for n, item_id in enumerate(default)}

    def key(item_id: str) -> tuple[bool, bool, int, int]:
        position = positions.get(item_id)
        return (item_id in skipped, position is None, position or 0, index[item_id])

    return [AgendaEntry(i, i in skipped) for i in sorted(default, key=key)]


# --- reading and checking forms ---------------------------------------------------------------

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# 06-12345678, 06 1234 5678, 010-1234567, +31 6 12345678, 0031 20 1234567: ten digits from the
# leading 0 (or nine after the country code), with spaces or dashes anywhere.
_PHONE = re.compile(r"(?<![\w+])(?:\+31|0031|0)(?:[ -]?\(?0?\)?)?(?:[ -]?\d){9}(?!\d)")


def _too_long(value: str, limit: int) -> Message | None:
    if len(value) <= limit:
        return None
    return Message(N_("Dit veld is %(n)s tekens lang; er passen er %(max)s in. Maak het korter."),
                   {"n": len(value), "max": limit})


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def parse_level(raw: str) -> int | None:
    """A level 0..4 from a form value; None for empty; ValueError for anything else."""
    raw = raw.strip()
    if raw == "":
        return None
    if raw.isdigit() and int(raw) in LEVELS:
        return int(raw)
    raise ValueError(raw)


def parse_due(raw: str) -> date | None:
    """A date as yyyy-mm-dd (the date field) or dd-mm-jjjj (as people type it); None for empty;
    ValueError for anything else."""
    raw = raw.strip()
    if raw == "":
        return None
    if m := _ISO_DATE.fullmatch(raw):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DUTCH_DATE.fullmatch(raw):
        return date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError(raw)


def read_agreement(form: Mapping[str, str]) -> tuple[AgreementInput | None, dict[str, Message]]:
    """Check an agreement form; the input to save, or None and a Dutch error per field."""
    errors: dict[str, Message] = {}
    level: int | None = None
    try:
        level = parse_level(form.get("agreed_level") or "")
    except ValueError:
        errors["agreed_level"] = Message(N_("Kies een niveau van 0 tot en met 4, of laat het leeg."))
    note, title, url = (_text(form, "note"), _text(form, "evidence_title"),
                        _text(form, "evidence_url"))
    for name, value, limit in (("note", note, NOTE_MAX), ("evidence_title", title, EVIDENCE_TITLE_MAX),
                               ("evidence_url", url, EVIDENCE_URL_MAX)):
        if error := _too_long(value, limit):
            errors[name] = error
    if url and "evidence_url" not in errors and not _URL.fullmatch(url):
        errors["evidence_url"] = Message(N_("Vul een webadres in dat begint met https:// of "
                                            "http:// (zonder spaties), of laat het leeg."))
    if errors:
        return None, errors
    skipped = (form.get("skipped") or "") in ("1", "on", "true")
    return AgreementInput(level, note, title, url, skipped), {}


def read_target(raw: str) -> tuple[int | None, dict[str, Message]]:
    """Check a target level (0..4, required)."""
    try:
        level = parse_level(raw)
    except ValueError:
        level = None
    if level is None:
        return None, {"target_level": Message(N_("Kies een doelniveau van 0 tot en met 4."))}
    return level, {}


def _place_errors(form: Mapping[str, str], questionnaire: Questionnaire) -> dict[str, Message]:
    dimension_id, item_id = _text(form, "dimension_id"), _text(form, "item_id")
    if dimension_id not in questionnaire.structure:
        return {"dimension_id": Message(N_("Kies een onderdeel van de vragenlijst."))}
    if item_id and item_id not in questionnaire.structure[dimension_id]:
        return {"item_id": Message(N_("Kies een stelling die bij dit onderdeel hoort, of geen."))}
    return {}


def read_action(form: Mapping[str, str], questionnaire: Questionnaire,
                tool_ids: Collection[str]) -> tuple[ActionInput | None, dict[str, Message]]:
    """Check an action form against the questionnaire and the catalogue; the input to save, or
    None and a Dutch error per field."""
    errors = _place_errors(form, questionnaire)
    what, who = _text(form, "what"), _text(form, "who")
    if not what:
        errors["what"] = Message(N_("Beschrijf wat er gaat gebeuren."))
    elif error := _too_long(what, WHAT_MAX):
        errors["what"] = error
    if error := _too_long(who, WHO_MAX):
        errors["who"] = error
    due: date | None = None
    try:
        due = parse_due(form.get("due") or "")
    except ValueError:
        errors["due"] = Message(N_("Vul een datum in als dd-mm-jjjj, bijvoorbeeld 31-12-2026, "
                                   "of laat het leeg."))
    status = _text(form, "status") or "open"
    if status not in STATUSES:
        errors["status"] = Message(N_("Kies een status: open, bezig, klaar of vervallen."))
    tool_id = _text(form, "tool_id")
    if tool_id and tool_id not in tool_ids:
        errors["tool_id"] = Message(N_("Kies een hulpmiddel uit de lijst, of geen."))
    if errors:
        return None, errors
    return ActionInput(_text(form, "dimension_id"), _text(form, "item_id") or None, what, who,
                       due, tool_id or None, status), {}


def looks_personal(text: str) -> bool:
    """Whether a text seems to hold personal data: an e-mail address or a Dutch phone number."""
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def personal_data_warnings(form: Mapping[str, str], fields: Iterable[str]) -> dict[str, Message]:
    """A warning (not an error: the save goes ahead) per field that seems to hold personal data."""
    warning = Message(N_("Dit lijkt een e-mailadres of telefoonnummer. Noteer geen "
                         "persoonsgegevens: een organisatie of rol is genoeg."))
    return {name: warning for name in fields if looks_personal(form.get(name) or "")}


# --- the plan across rounds -------------------------------------------------------------------


def carry_over(previous_actions: Iterable[Action]) -> list[Action]:
    """The open and busy actions of the previous round as new actions of the next one
    (no id or round yet; carried_from names the old action, the status stays)."""
    return [replace(a, id=None, round_id=None, carried_from=a.id, version=1)
            for a in previous_actions if a.status in CARRIED_STATUSES]


def target_score(level: int) -> int:
    """The score (0..100) that reaching a target level means."""
    return LEVEL_SCORE[level]


def against_targets(aggregate: RoundAggregate, targets: Iterable[Target],
                    ) -> dict[str, tuple[float | None, int, bool | None]]:
    """Per dimension with a target: this round's score, the target score and whether it was met
    (None when the dimension has no score)."""
    out: dict[str, tuple[float | None, int, bool | None]] = {}
    for target in targets:
        dimension = aggregate.dimensions.get(target.dimension_id)
        score = dimension.score if dimension is not None else None
        wanted = target_score(target.level)
        out[target.dimension_id] = (score, wanted, None if score is None else score >= wanted)
    return out


def done_share(actions: Iterable[Action]) -> dict[str, tuple[int, int]]:
    """Per dimension: actions done, and actions that count (all but the dropped ones)."""
    out: dict[str, tuple[int, int]] = {}
    for a in actions:
        if a.status == "dropped":
            continue
        done, total = out.get(a.dimension_id, (0, 0))
        out[a.dimension_id] = (done + (a.status == "done"), total + 1)
    return out
