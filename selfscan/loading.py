"""Loading questionnaire files and the tools catalogue: YAML, JSON Schema and author messages.

Every problem is reported with the file, the place (``dimensions[2].items[4].levels``) and the line,
in Dutch, so that an author fixes all of them in one go.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from selfscan.core import roles
from selfscan.core.questionnaire import (
    Catalogue,
    ContextQuestion,
    Dimension,
    Item,
    Level,
    Library,
    Option,
    Phase,
    Questionnaire,
    Text,
    Tool,
)

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "questionnaires"
QUESTIONNAIRE_SCHEMA = "questionnaire.schema.json"
TOOLS_SCHEMA = "tools.schema.json"
TOOLS_FILE = "tools.yaml"


class DefinitionError(Exception):
    """One problem in a definition file, located precisely enough for its author to fix it."""

    def __init__(self, file: str, place: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.place = place
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.place:
            where += f": {self.place}"
        return f"{where}: {self.message}"


class DefinitionErrors(Exception):
    """All problems found in one or more files; loading stops only after collecting them all."""

    def __init__(self, errors: Sequence[DefinitionError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


# --- reading and locating -------------------------------------------------------------------


def _place(path: Iterable[Any]) -> str:
    """Render a JSON path the way an author reads it: dimensions[2].items[4].levels."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(node: yaml.Node | None, path: Sequence[Any]) -> int | None:
    """Line number (1-based) of the YAML node at `path`, or of its nearest existing parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            nxt = node.value[part] if 0 <= part < len(node.value) else None
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionErrors([DefinitionError(name, "", "bestand niet gevonden")]) from None
    except UnicodeDecodeError:
        raise DefinitionErrors(
            [DefinitionError(name, "", "het bestand is geen UTF-8-tekst; sla het op als UTF-8")]
        ) from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark else None
        col = f", kolom {mark.column + 1}" if mark else ""
        raise DefinitionErrors(
            [DefinitionError(name, "", f"geen geldige YAML{col}: {problem}", line)]
        ) from None
    return data, node


@cache
def _validator(schema_name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / schema_name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_TYPE_NAMES = {
    "string": "een tekst", "integer": "een geheel getal", "number": "een getal",
    "object": "een lijst van sleutels en waarden (mapping)", "array": "een lijst",
    "boolean": "true of false",
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "een getal"
    if isinstance(value, float):
        return "een kommagetal"
    if isinstance(value, str):
        return "een tekst"
    if isinstance(value, list):
        return "een lijst"
    if isinstance(value, dict):
        return "een mapping"
    if value is None:
        return "leeg"
    return type(value).__name__


def _schema_message(err: jsonschema.ValidationError) -> str:
    """Translate a JSON Schema error into a sentence a questionnaire author understands."""
    v, inst = err.validator, err.instance
    sch: Any = err.validator_value  # the schema's value for the failed keyword
    schema: Any = err.schema
    if v == "required":
        missing = [k for k in sch if not (isinstance(inst, dict) and k in inst)]
        return f"verplicht veld ontbreekt: {', '.join(repr(m) for m in missing)}"
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list((schema.get("properties") or {}).keys())
        extra = [k for k in inst if k not in allowed]
        parts = []
        for k in extra:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f" (bedoelt u {close[0]!r}?)" if close else ""
            parts.append(f"{k!r}{hint}")
        return f"onbekend veld {', '.join(parts)}; toegestaan: {', '.join(allowed)}"
    if v == "type":
        want = _TYPE_NAMES.get(sch, sch) if isinstance(sch, str) else sch
        return f"moet {want} zijn, maar is {_type_name(inst)}"
    if v in ("minItems", "maxItems") and isinstance(inst, list):
        last = err.absolute_path[-1] if err.absolute_path else ""
        if last == "levels":
            return (
                f"heeft {len(inst)} niveau(s); er moeten er precies 5 zijn "
                "(niveau 0 t/m 4, in die volgorde)"
            )
        bound = "minstens" if v == "minItems" else "hoogstens"
        return f"heeft {len(inst)} element(en); er moeten er {bound} {sch} zijn"
    if v == "pattern":
        if schema.get("pattern", "").startswith("^https"):
            return f"{inst!r} is geen volledig webadres dat met https:// begint"
        return (
            f"{inst!r} is geen geldige id: gebruik kleine letters, cijfers en '-', "
            "beginnend met een letter"
        )
    if v == "minLength":
        return "mag niet leeg zijn"
    if v in ("minimum", "maximum"):
        bound = "minstens" if v == "minimum" else "hoogstens"
        return f"{inst!r} is te {'klein' if v == 'minimum' else 'groot'}: moet {bound} {sch} zijn"
    if v == "enum":
        return f"{inst!r} is geen toegestane waarde; kies uit: {', '.join(map(str, sch))}"
    return err.message


def _schema_errors(name: str, data: Any, node: yaml.Node | None, schema: str) -> list[DefinitionError]:
    if not isinstance(data, dict):
        return [DefinitionError(name, "", "het bestand moet een mapping bevatten (sleutel: waarde)")]
    errors = sorted(_validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    return [
        DefinitionError(name, _place(e.absolute_path), _schema_message(e),
                        _line_of(node, list(e.absolute_path)))
        for e in errors
    ]


def content_hash(data: Any) -> str:
    """Hash of the meaning of a file, not its layout: comments and key order do not change it."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(raw: Mapping[str, str]) -> Text:
    return Text(nl=raw["nl"].strip(), en=(raw.get("en") or "").strip() or None)


def _optional_text(raw: Mapping[str, str] | None) -> Text | None:
    return None if raw is None else _text(raw)


# --- semantic checks --------------------------------------------------------------------------


def _duplicates(ids: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any, Any]]:
    """Yield (place, id, first place) for every id seen before."""
    seen: dict[Any, Any] = {}
    for place, ident in ids:
        if ident in seen:
            yield place, ident, seen[ident]
        else:
            seen[ident] = place


Report = Callable[[list[Any], str], None]
"""Records one problem at a path of the definition."""


def _meaning_errors(name: str, data: dict[str, Any], node: yaml.Node | None) -> list[DefinitionError]:
    """What the schema cannot say: levels, phases that tile 0..100, unique ids, context types."""
    errs: list[DefinitionError] = []

    def err(path: list[Any], message: str) -> None:
        errs.append(DefinitionError(name, _place(path), message, _line_of(node, path)))

    values = [lv["value"] for lv in data["levels"]]
    if values != [0, 1, 2, 3, 4]:
        err(["levels"], f"de niveaus moeten 0, 1, 2, 3, 4 zijn, in die volgorde (nu: {values})")
    _phase_errors(data["phases"], err)
    _id_errors(data, err)
    for c, q in enumerate(data["context_questions"]):
        _context_errors(["context_questions", c], q, err)
    _audience_errors(data, err)
    return errs


def _audience_errors(data: dict[str, Any], err: Report) -> None:
    known = roles.known_audiences()
    for d, dim in enumerate(data["dimensions"]):
        for i, item in enumerate(dim["items"]):
            for a, entry in enumerate(item.get("audience", ())):
                if entry not in known:
                    close = difflib.get_close_matches(entry, known, n=1)
                    hint = f" (bedoelt u {close[0]!r}?)" if close else ""
                    err(["dimensions", d, "items", i, "audience", a],
                        f"onbekende doelgroep {entry!r}{hint}; kies een kant "
                        f"({', '.join(roles.SIDES)}) of een rolgroep")


def _phase_errors(raw_phases: list[dict[str, Any]], err: Report) -> None:
    """Phases are named after levels: ``from_level`` rises from 0, or (version 1 files, which
    predate it) every phase has ``min``/``max`` that tile 0..100 and the levels follow from the
    order (see ``phase_levels``)."""
    given = ["from_level" in p for p in raw_phases]
    if any(given) and not all(given):
        err(["phases"], "geef 'from_level' bij elke fase of bij geen enkele")
    elif all(given):
        levels = [p["from_level"] for p in raw_phases]
        if levels[0] != 0 or any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
            err(["phases"], f"'from_level' moet bij 0 beginnen en steeds hoger worden (nu: {levels})")
    else:
        _range_errors(raw_phases, err)
    if len(raw_phases) > 5:
        err(["phases"], f"er zijn {len(raw_phases)} fasen; er passen er hoogstens 5 (één per niveau)")
    for i, ident, first in _duplicates((i, phase["id"]) for i, phase in enumerate(raw_phases)):
        err(["phases", i, "id"], f"fase-id {ident!r} komt al voor in phases[{first}]")


def _range_errors(raw_phases: list[dict[str, Any]], err: Report) -> None:
    if not all("min" in p and "max" in p for p in raw_phases):
        err(["phases"], "elke fase heeft 'from_level' nodig")
        return
    phases = sorted(enumerate(raw_phases), key=lambda p: p[1]["min"])
    expected = 0
    for index, phase in phases:
        if phase["min"] > phase["max"]:
            err(["phases", index], f"min ({phase['min']}) is groter dan max ({phase['max']})")
        if phase["min"] != expected:
            kind = "een gat" if phase["min"] > expected else "een overlap"
            err(["phases", index, "min"],
                f"de fasen moeten 0 t/m 100 aaneensluitend dekken: er is {kind} bij {expected}")
        expected = phase["max"] + 1
    if phases and expected != 101:
        err(["phases"], f"de fasen moeten tot en met 100 lopen (de hoogste max is {expected - 1})")


def phase_levels(raw_phases: Sequence[Mapping[str, Any]]) -> list[int]:
    """The level each phase is named after, in the order of the phases.

    Files since version 2 say it (``from_level``). Version 1 files gave score ranges that sat a
    level too high (docs/scoring.md, "Phases"); their ranges are kept for the content hash but
    no longer used: the last phase is named after level 4, each earlier one a level lower, and
    the first starts at level 0 (four phases: 0, 2, 3, 4).
    """
    if all("from_level" in p for p in raw_phases):
        return [p["from_level"] for p in raw_phases]
    ordered = sorted(range(len(raw_phases)), key=lambda i: raw_phases[i]["min"])
    n = len(raw_phases)
    by_position = [0] + list(range(5 - n + 1, 5))
    levels = [0] * n
    for position, index in enumerate(ordered):
        levels[index] = by_position[position]
    return levels


def _id_errors(data: dict[str, Any], err: Report) -> None:
    dim_ids = [(["dimensions", d, "id"], dim["id"]) for d, dim in enumerate(data["dimensions"])]
    item_ids = [
        (["dimensions", d, "items", i, "id"], item["id"])
        for d, dim in enumerate(data["dimensions"])
        for i, item in enumerate(dim["items"])
    ]
    ctx_ids = [(["context_questions", c, "id"], q["id"])
               for c, q in enumerate(data["context_questions"])]
    for path, ident, first in _duplicates(dim_ids + item_ids + ctx_ids):
        err(path, f"id {ident!r} komt al voor in {_place(first)}; elke id moet uniek zijn")
    for d, dim in enumerate(data["dimensions"]):
        for i, item in enumerate(dim["items"]):
            if not item["id"].startswith(dim["id"] + "-"):
                err(["dimensions", d, "items", i, "id"],
                    f"item-id {item['id']!r} moet beginnen met de id van zijn dimensie "
                    f"({dim['id']}-)")


def _context_errors(path: list[Any], q: dict[str, Any], err: Report) -> None:
    if q["type"] in ("choice", "multi_choice"):
        if not q.get("options"):
            err(path, f"een vraag van type {q['type']} heeft 'options' nodig")
        else:
            for place, ident, first in _duplicates(
                (f"options[{o}]", opt["id"]) for o, opt in enumerate(q["options"])
            ):
                err(path + ["options"], f"optie-id {ident!r} in {place} komt al voor in {first}")
    elif q.get("options"):
        err(path + ["options"], f"een vraag van type {q['type']} heeft geen 'options'")
    if q["type"] != "number" and ("min" in q or "max" in q):
        err(path, "'min' en 'max' horen alleen bij type number")
    if "min" in q and "max" in q and q["min"] > q["max"]:
        err(path, f"min ({q['min']}) is groter dan max ({q['max']})")
    if q["type"] != "text" and "max_length" in q:
        err(path, "'max_length' hoort alleen bij type text")


def _build(data: dict[str, Any], source: str) -> Questionnaire:
    levels = tuple(Level(lv["value"], _text(lv["name"])) for lv in data["levels"])
    phases = tuple(sorted(
        (Phase(p["id"], level, _text(p["name"]), _text(p["description"]))
         for p, level in zip(data["phases"], phase_levels(data["phases"]), strict=True)),
        key=lambda p: p.from_level))
    context = tuple(
        ContextQuestion(
            id=q["id"], question=_text(q["question"]), type=q["type"],
            help=_optional_text(q.get("help")),
            options=tuple(Option(o["id"], _text(o["label"])) for o in q.get("options", ())),
            min=q.get("min", 1990 if q["type"] == "year" else None),
            max=q.get("max"),
            max_length=q.get("max_length", 500),
        )
        for q in data["context_questions"]
    )
    dims = tuple(
        Dimension(
            id=d["id"], title=_text(d["title"]), description=_text(d["description"]),
            items=tuple(
                Item(
                    id=i["id"], dimension_id=d["id"], statement=_text(i["statement"]),
                    why=_text(i["why"]),
                    levels=tuple(_text(t) for t in i["levels"]),
                    short=_optional_text(i.get("short")),
                    audience=(roles.expand_audience(tuple(i["audience"]))
                              if "audience" in i else None),
                    child_safety=bool(i.get("child_safety", False)),
                )
                for i in d["items"]
            ),
        )
        for d in data["dimensions"]
    )
    return Questionnaire(
        id=data["id"], version=data["version"], title=_text(data["title"]),
        intro=_text(data["intro"]), levels=levels, phases=phases,
        context_questions=context, dimensions=dims, content_hash=content_hash(data),
        source=source, raw=data,
    )


def parse_questionnaire(data: Any, name: str = "<definition>",
                        node: yaml.Node | None = None) -> Questionnaire:
    """Validate an already-read definition and build the model; raises DefinitionErrors."""
    errors = _schema_errors(name, data, node, QUESTIONNAIRE_SCHEMA)
    if not errors:
        errors = _meaning_errors(name, data, node)
    if errors:
        raise DefinitionErrors(errors)
    return _build(data, name)


def load_questionnaire(path: Path | str) -> Questionnaire:
    path = Path(path)
    data, node = _read_yaml(path)
    return parse_questionnaire(data, str(path), node)


def load_catalogue(path: Path | str, questionnaires: Sequence[Questionnaire]) -> Catalogue:
    """Load the tools catalogue and check every reference against the loaded questionnaires."""
    path = Path(path)
    name = str(path)
    data, node = _read_yaml(path)
    for tool in data.get("tools") or () if isinstance(data, dict) else ():
        # YAML reads an unquoted 2026-12-01 as a date; the catalogue keeps it as ISO text.
        if isinstance(tool, dict) and isinstance(tool.get("checked"), datetime.date):
            tool["checked"] = tool["checked"].isoformat()
    errors = _schema_errors(name, data, node, TOOLS_SCHEMA)
    if errors:
        raise DefinitionErrors(errors)

    def err(p: list[Any], message: str) -> None:
        errors.append(DefinitionError(name, _place(p), message, _line_of(node, p)))

    for place, ident, first in _duplicates(
        (f"tools[{t}]", tool["id"]) for t, tool in enumerate(data["tools"])
    ):
        err(["tools"], f"tool-id {ident!r} in {place} komt al voor in {first}")
    all_items = {i for q in questionnaires for i in q.items}
    for t, tool in enumerate(data["tools"]):
        for d, dim in enumerate(tool["dimensions"]):
            lacking = [f"{q.id} v{q.version}" for q in questionnaires
                       if dim not in q.structure]
            if lacking:
                err(["tools", t, "dimensions", d],
                    f"dimensie {dim!r} bestaat niet in {', '.join(lacking)}")
        for r, rel in enumerate(tool["relevant_when"]):
            if rel["item"] not in all_items:
                close = difflib.get_close_matches(rel["item"], sorted(all_items), n=1)
                hint = f" (bedoelt u {close[0]!r}?)" if close else ""
                err(["tools", t, "relevant_when", r, "item"],
                    f"item {rel['item']!r} bestaat in geen enkele vragenlijst{hint}")
    if errors:
        raise DefinitionErrors(errors)
    return Catalogue(
        tuple(
            Tool(
                id=t["id"], title=_text(t["title"]), publisher=t["publisher"],
                url=t["url"], description=_text(t["description"]),
                dimensions=tuple(t["dimensions"]),
                relevant_when=tuple((r["item"], r["max_level"]) for r in t["relevant_when"]),
                url_is_home=bool(t.get("url_is_home", False)),
                year=t.get("year"), checked=t.get("checked"),
            )
            for t in data["tools"]
        )
    )


def definition_files(folder: Path | str) -> list[Path]:
    """The questionnaire files of a folder: every *.yaml except the tools catalogue."""
    return sorted(p for p in Path(folder).glob("*.yaml") if p.name != TOOLS_FILE)


def load_paths(paths: Sequence[Path | str]) -> Library:
    """Load and cross-check questionnaire files and, when among the paths, the catalogue.

    Every file is checked and every problem is reported at once, so an author fixes them in
    one go instead of one per run.
    """
    errors: list[DefinitionError] = []
    questionnaires: list[Questionnaire] = []
    catalogue_path: Path | None = None
    for raw in paths:
        path = Path(raw)
        if path.name == TOOLS_FILE:
            catalogue_path = path
            continue
        try:
            questionnaires.append(load_questionnaire(path))
        except DefinitionErrors as exc:
            errors.extend(exc.errors)
    for q, _key, first in _duplicates((q, q.key) for q in questionnaires):
        errors.append(DefinitionError(
            q.source, "version",
            f"versie {q.version} van vragenlijst {q.id!r} staat ook in {first.source}; "
            "geef elke versie een eigen nummer"))
    catalogue = Catalogue(())
    if catalogue_path is not None and not errors:
        try:
            catalogue = load_catalogue(catalogue_path, questionnaires)
        except DefinitionErrors as exc:
            errors.extend(exc.errors)
    if not questionnaires and not errors and catalogue_path is None:
        errors.append(DefinitionError(", ".join(map(str, paths)) or "(geen bestanden)", "",
                                      "geen vragenlijstbestanden gevonden"))
    if errors:
        raise DefinitionErrors(errors)
    return Library(tuple(sorted(_share_short_labels(questionnaires), key=lambda q: q.key)),
                   catalogue)


def _share_short_labels(questionnaires: Sequence[Questionnaire]) -> list[Questionnaire]:
    """Give items without a short label the one a newer version gives the same item id.

    An item id keeps its meaning across versions (questionnaires/README.md), so version 1,
    written before short labels existed, can name its items the way version 2 does; the
    content hash is untouched because the file is.
    """
    labels: dict[str, Text] = {}
    for q in sorted(questionnaires, key=lambda q: q.version):
        labels.update({i.id: i.short for i in q.items.values() if i.short is not None})
    out = []
    for q in questionnaires:
        if all(i.short is not None or i.id not in labels for i in q.items.values()):
            out.append(q)
            continue
        dims = tuple(dataclasses.replace(d, items=tuple(
            i if i.short is not None or i.id not in labels
            else dataclasses.replace(i, short=labels[i.id]) for i in d.items))
            for d in q.dimensions)
        out.append(dataclasses.replace(q, dimensions=dims))
    return out


def load_folder(folder: Path | str) -> Library:
    folder = Path(folder)
    paths: list[Path] = definition_files(folder)
    if (folder / TOOLS_FILE).exists():
        paths.append(folder / TOOLS_FILE)
    return load_paths(paths)
