"""The results of a round with the working session's plan as an Excel workbook (openpyxl).

Three sheets: "Scores" (per dimension, with the target), "Afspraken" (per item: the median and,
beside it, the level the group agreed) and "Actieplan" (the actions). Headings are translated by
the ``gettext`` function passed in, so that this module needs no Flask. Numbers and dates are
real spreadsheet values; text that a spreadsheet would run as a formula (= + - @) gets a quote
in front and is stored as text (formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from selfscan.core.results import ResultsView

Translate = Callable[..., str]
"""gettext: a Dutch message id and its named values -> the text in the reader's language."""

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ("Scores", "Afspraken", "Actieplan")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as text: a quote before a leading = + - @ (or tab, CR)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _sheet(ws: Worksheet, headings: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a header row (bold, frozen) and the rows; widths follow the longest text."""
    ws.append([safe_text(h) for h in headings])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    widths = [len(h) for h in headings]
    for row in rows:
        ws.append([None for _ in row])
        for column, value in enumerate(row, start=1):
            cell = ws.cell(row=ws.max_row, column=column)
            if isinstance(value, str):
                cell.value = safe_text(value)
                cell.data_type = "s"  # never a formula, whatever the text
            else:
                cell.value = value
            if isinstance(value, date):
                cell.number_format = "DD-MM-YYYY"
            widths[column - 1] = max(widths[column - 1], len(str(value or "")))
    for column, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(column + 1)].width = min(width + 2, _MAX_WIDTH)


def build_workbook(view: ResultsView, gettext: Translate) -> bytes:
    """The workbook of a round: scores and targets, agreed levels, action plan."""
    _ = gettext
    wb = Workbook()
    scores = wb.active
    scores.title = SHEETS[0]
    _sheet(scores,
           [_("Onderdeel"), _("Score"), _("Fase"), _("Deelnemers"), _("Vorige ronde"),
            _("Doelniveau"), _("Doelscore")],
           [[d.title, _round(d.score), d.phase_name, d.respondents, _round(d.previous),
             d.target_level, d.target_score] for d in view.dimensions])
    _sheet(wb.create_sheet(SHEETS[1]),
           [_("Onderdeel"), _("Stelling"), _("Mediaan niveau"), _("Afgesproken niveau"),
            _("Waarom"), _("Onderbouwing"), _("Link")],
           [[d.title, i.label, i.median, i.agreed_level, i.agreed_note, i.evidence_title,
             i.evidence_url] for d in view.dimensions for i in d.items])
    _sheet(wb.create_sheet(SHEETS[2]),
           [_("Onderdeel"), _("Stelling"), _("Wat"), _("Wie"), _("Wanneer klaar"),
            _("Hulpmiddel"), _("Status"), _("Uit de vorige ronde")],
           [[a.dimension_title, a.item_label, a.what, a.who, a.due, a.tool_title,
             a.status_label, _("ja") if a.carried else ""] for a in view.actions])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
