"""The questionnaire model: immutable, versioned definitions, the tools catalogue and the library.

Plain Python. Reading and checking YAML files is the job of ``selfscan.loading``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Text:
    """A text a user reads: Dutch always, English when the author wrote it."""

    nl: str
    en: str | None = None

    def get(self, lang: str) -> str:
        if lang == "en" and self.en:
            return self.en
        return self.nl

    def as_dict(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en or self.nl}


@dataclass(frozen=True)
class Level:
    value: int
    name: Text


@dataclass(frozen=True)
class Phase:
    """A maturity phase, named after the level a round's mean level rounds to (see scoring)."""

    id: str
    from_level: int
    name: Text
    description: Text


@dataclass(frozen=True)
class Item:
    id: str
    dimension_id: str
    statement: Text
    why: Text
    levels: tuple[Text, ...]
    short: Text | None = None
    audience: frozenset[str] | None = None  # role-group ids that are asked; None: everyone
    child_safety: bool = False

    def label(self, lang: str) -> str:
        """The short label where the questionnaire has one, else the statement."""
        return (self.short or self.statement).get(lang)

    def asks(self, role_group: str | None) -> bool:
        """Whether a respondent of this role group is asked this item."""
        return self.audience is None or role_group is None or role_group in self.audience


@dataclass(frozen=True)
class Dimension:
    id: str
    title: Text
    description: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True)
class ContextQuestion:
    id: str
    question: Text
    type: str
    help: Text | None = None
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int = 500


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: Text
    intro: Text
    levels: tuple[Level, ...]
    phases: tuple[Phase, ...]
    context_questions: tuple[ContextQuestion, ...]
    dimensions: tuple[Dimension, ...]
    content_hash: str
    source: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    # Worked out once per version (a results page reads them dozens of times); cached_property
    # stores into the instance dict, which a frozen dataclass without slots allows.
    @cached_property
    def structure(self) -> dict[str, tuple[str, ...]]:
        """Dimension id to its item ids, the shape the scoring core works on."""
        return {d.id: tuple(i.id for i in d.items) for d in self.dimensions}

    @cached_property
    def items(self) -> dict[str, Item]:
        return {i.id: i for d in self.dimensions for i in d.items}

    def structure_for(self, role_group: str | None) -> dict[str, tuple[str, ...]]:
        """The structure as one role group is asked it (dimensions may be left empty)."""
        return {d.id: tuple(i.id for i in d.items if i.asks(role_group)) for d in self.dimensions}

    @cached_property
    def child_safety_items(self) -> frozenset[str]:
        return frozenset(i.id for d in self.dimensions for i in d.items if i.child_safety)

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def phase(self, phase_id: str | None) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        """The public definition: every text in both languages, or in one when `lang` is given."""

        def t(text: Text | None) -> Any:
            if text is None:
                return None
            return text.get(lang) if lang else text.as_dict()

        return {
            "id": self.id,
            "version": self.version,
            "content_hash": self.content_hash,
            "title": t(self.title),
            "intro": t(self.intro),
            "levels": [{"value": lv.value, "name": t(lv.name)} for lv in self.levels],
            "answers_without_level": [
                {"value": "unknown", "name": t(UNKNOWN_TEXT)},
                {"value": "na", "name": t(NOT_APPLICABLE_TEXT)},
            ],
            "phases": [
                {"id": p.id, "from_level": p.from_level, "name": t(p.name),
                 "description": t(p.description)}
                for p in self.phases
            ],
            "context_questions": [
                {
                    "id": q.id, "type": q.type, "question": t(q.question), "help": t(q.help),
                    "options": [{"id": o.id, "label": t(o.label)} for o in q.options],
                    "min": q.min, "max": q.max,
                    "max_length": q.max_length if q.type == "text" else None,
                }
                for q in self.context_questions
            ],
            "dimensions": [
                {
                    "id": d.id, "title": t(d.title), "description": t(d.description),
                    "items": [
                        {
                            "id": i.id, "short": t(i.short), "statement": t(i.statement),
                            "why": t(i.why), "child_safety": i.child_safety,
                            "audience": sorted(i.audience) if i.audience is not None else None,
                            "levels": [
                                {"value": n, "name": t(self.levels[n].name),
                                 "description": t(text)}
                                for n, text in enumerate(i.levels)
                            ],
                        }
                        for i in d.items
                    ],
                }
                for d in self.dimensions
            ],
        }


UNKNOWN_TEXT = Text("Weet ik niet", "Don't know")
NOT_APPLICABLE_TEXT = Text("Niet van toepassing", "Not applicable")


@dataclass(frozen=True)
class Tool:
    id: str
    title: Text
    publisher: str
    url: str
    description: Text
    dimensions: tuple[str, ...]
    relevant_when: tuple[tuple[str, int], ...]
    url_is_home: bool = False
    year: int | None = None
    checked: str | None = None  # ISO date on which the link and the facts were last verified


@dataclass(frozen=True)
class Catalogue:
    tools: tuple[Tool, ...]

    def get(self, tool_id: str) -> Tool | None:
        return next((t for t in self.tools if t.id == tool_id), None)


@dataclass(frozen=True)
class Library:
    """Every loaded questionnaire version and the catalogue, as the application uses them."""

    questionnaires: tuple[Questionnaire, ...]
    catalogue: Catalogue

    def get(self, questionnaire_id: str, version: int) -> Questionnaire | None:
        return next((q for q in self.questionnaires if q.key == (questionnaire_id, version)), None)

    @property
    def current(self) -> Questionnaire:
        """The newest version of the (first) questionnaire: the one new rounds answer."""
        return max(self.questionnaires, key=lambda q: (q.id == self.questionnaires[0].id, q.version))

    def versions(self) -> list[dict[str, Any]]:
        return [{"id": q.id, "version": q.version, "content_hash": q.content_hash}
                for q in self.questionnaires]
