"""The results of a round as a PDF (fpdf2): radar drawn as polygons, scores table, the working
session's plan (agreed levels, targets, actions), advice.

Texts are translated by the ``gettext`` function passed in (the web layer's, for the language of
the request), so that this module needs no Flask; numbers are written by ``output.formats`` in
that language (``lang``: 68,1 in Dutch, 68.1 in English).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from selfscan.core.results import ResultsView
from selfscan.output import charts
from selfscan.output.formats import DEFAULT_LANG, format_delta, format_level, format_number, format_pct

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Core-font fallback: these characters are outside latin-1 but have a plain equivalent.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "–": "-",
                        "—": "-", "−": "-", "…": "...", "≠": "<>", "•": "-", "€": "EUR"})


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _Report(FPDF):
    def __init__(self, footer_text: str, lang: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.lang = lang  # the reader's language: how numbers are written
        self.unicode = FONT.exists() and FONT_BOLD.exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(FONT))
            self.add_font("DejaVu", "B", str(FONT_BOLD))
            self.family_name = "DejaVu"
        else:
            self.family_name = "Helvetica"
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)

    def text_of(self, text: str) -> str:
        """Text the current font can draw: core fonts only know latin-1."""
        if self.unicode:
            return text
        return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def para(self, text: str, size: float = 10, bold: bool = False, gap: float = 1.5) -> None:
        self.font(size, bold)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.text_of(f"{self.footer_text} · {self.page_no()}"), align="C")
        self.set_text_color(0, 0, 0)


_DASHES = {"solid": 0, "dash": 2.0, "dot": 0.6, "dashdot": 1.2, "longdash": 3.2}


class _Polar:
    """Points of a radar with ``n`` axes, clockwise from the top as on the page."""

    def __init__(self, cx: float, cy: float, radius: float, n: int) -> None:
        self.cx, self.cy, self.radius, self.n = cx, cy, radius, n

    def point(self, index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / self.n
        return (self.cx + self.radius * value / 100 * math.cos(angle),
                self.cy + self.radius * value / 100 * math.sin(angle))


def _radar(pdf: _Report, view: ResultsView, top: float) -> float:
    """Draw the radar chart from the page's figure data; returns the y below it."""
    fig = view.radar
    axes = [str(a) for a in fig["data"][0]["theta"][:-1]] if fig["data"] else []
    if len(axes) < 3:
        return top
    polar = _Polar(pdf.w / 2, top + 60, 42.0, len(axes))  # room above for a three-line label
    _radar_grid(pdf, polar)
    _radar_labels(pdf, polar, axes)
    kinds = {v: k for k, v in charts.OKABE_ITO.items()}
    for trace in fig["data"]:
        _radar_series(pdf, polar, trace, kinds.get(trace["line"]["color"], "own"))
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    return _radar_legend(pdf, fig["data"], polar.cy + polar.radius + 14)


def _radar_grid(pdf: _Report, polar: _Polar) -> None:
    pdf.set_line_width(0.2)
    pdf.set_draw_color(190, 190, 190)
    for level in (25, 50, 75, 100):
        pdf.polygon([polar.point(i, level) for i in range(polar.n)], style="D")
    for i in range(polar.n):
        pdf.line(polar.cx, polar.cy, *polar.point(i, 100))
    pdf.font(7)
    pdf.set_text_color(110, 110, 110)
    for level in (25, 50, 75, 100):
        x, y = polar.point(0, level)
        pdf.text(x + 1, y + 1, str(level))
    pdf.set_text_color(0, 0, 0)


def _radar_labels(pdf: _Report, polar: _Polar, axes: list[str]) -> None:
    pdf.font(8, bold=True)
    for i, label in enumerate(axes):
        x, y = polar.point(i, 118)
        # The chart's labels are wrapped with <br> for plotly; draw each line in its place.
        lines = label.replace("&lt;", "<").split("<br>")
        for k, line in enumerate(lines):
            width = pdf.get_string_width(pdf.text_of(line))
            pdf.text(x - width / 2, y + 1.5 + (k - (len(lines) - 1) / 2) * 3.2, pdf.text_of(line))


def _radar_series(pdf: _Report, polar: _Polar, trace: dict[str, Any], kind: str) -> None:
    pdf.set_draw_color(*_rgb(trace["line"]["color"]))
    pdf.set_line_width(0.8 if kind == "own" else 0.5)
    dash = _DASHES.get(trace["line"]["dash"], 0)
    pdf.set_dash_pattern(dash=dash, gap=dash)
    values = trace["r"][:-1]
    if all(v is not None for v in values):
        pdf.polygon([polar.point(i, v) for i, v in enumerate(values)], style="D")
    else:  # a gap where a value is missing; never draw a missing value as 0
        for i in range(polar.n):
            a, b = values[i], values[(i + 1) % polar.n]
            if a is not None and b is not None:
                pdf.line(*polar.point(i, a), *polar.point((i + 1) % polar.n, b))
    pdf.set_dash_pattern()


def _radar_legend(pdf: _Report, traces: list[dict[str, Any]], y: float) -> float:
    """A short line in each series' colour and style, then its name; returns the y below."""
    pdf.font(8)
    for trace in traces:
        pdf.set_draw_color(*_rgb(trace["line"]["color"]))
        pdf.set_line_width(0.7)
        dash = _DASHES.get(trace["line"]["dash"], 0)
        pdf.set_dash_pattern(dash=dash, gap=dash)
        pdf.line(pdf.l_margin, y, pdf.l_margin + 10, y)
        pdf.set_dash_pattern()
        pdf.text(pdf.l_margin + 12, y + 1, pdf.text_of(trace["name"]))
        y += 5
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    return y + 2


Translate = Callable[..., str]
"""gettext: a Dutch message id and its named values -> the text in the reader's language."""


def build_pdf(view: ResultsView, gettext: Translate, *, lang: str = DEFAULT_LANG) -> bytes:
    """The report a coordinator takes to the mayor, aldermen and council, in the language of
    ``gettext`` and ``lang``."""
    date_text = view.generated.strftime("%d-%m-%Y")
    pdf = _Report(gettext("Zelfscan %(name)s, %(date)s", name=view.municipality, date=date_text),
                  lang)
    title = gettext("Zelfscan aanpak multiprobleemgezinnen")
    pdf.set_title(pdf.text_of(f"{title}: {view.municipality}"))
    pdf.set_author("CCV")
    pdf.add_page()
    _title_page(pdf, view, gettext, title, date_text)
    pdf.add_page()
    _scores_table(pdf, view, gettext)
    _dimension_notes(pdf, view, gettext)
    if view.previous_targets or view.previous_done or view.agreed or view.actions:
        pdf.add_page()
        _previous_plan(pdf, view, gettext)
        _plan(pdf, view, gettext)
    pdf.add_page()
    _advice(pdf, view, gettext)
    return bytes(pdf.output())


def _title_page(pdf: _Report, view: ResultsView, _: Translate, title: str, date_text: str) -> None:
    pdf.para(title, 18, bold=True, gap=1)
    pdf.para(_("Uitkomsten van %(name)s", name=view.municipality), 14, bold=True, gap=2)
    facts = [
        _("Gemeente: %(name)s", name=view.municipality),
        _("Datum: %(date)s", date=date_text),
        _("Vragenlijst %(id)s, versie %(version)s", id=view.questionnaire_id,
          version=view.version),
        _("Aantal deelnemers: %(n)s", n=view.respondents),
        _("Ronde: %(year)s %(name)s", year=view.round["year"], name=view.round["name"]),
    ]
    for fact in facts:
        pdf.para(fact, 10, gap=0.5)
    if view.provisional:
        pdf.para(_("Voorlopig: de ronde is nog open. De uitkomsten kunnen nog veranderen."),
                 10, bold=True, gap=1)
    if view.overall is not None:
        pdf.para(_("Totaalscore %(score)s van 100: %(phase)s",
                   score=format_number(view.overall, lang=pdf.lang),
                   phase=view.overall_phase_name), 11, bold=True, gap=0.5)
        pdf.para(view.overall_phase_description, 9, gap=2)
    elif view.missing_dimensions and len(view.missing_dimensions) < len(view.dimensions):
        pdf.para(_("Er is nog geen totaalscore. Daarvoor moeten minstens %(n)s van de "
                   "%(total)s onderdelen een score hebben.", n=view.overall_needs,
                   total=len(view.dimensions)), 10, bold=True, gap=0.5)
        pdf.para(_("Deze onderdelen hebben nog geen antwoord met een niveau: %(titles)s.",
                   titles=", ".join(view.missing_dimensions)), 9, gap=2)
    if view.first_steps:
        pdf.para(_("Eerste stappen: %(steps)s", steps="; ".join(
            f"{t.title} ({t.dimension_title})" for t in view.first_steps)), 9, gap=2)
    pdf.para(_("Radar: uw scores per onderdeel (0 tot 100)"), 12, bold=True, gap=0)
    pdf.set_y(_radar(pdf, view, pdf.get_y()))
    if not view.comparison.peer.shown or not view.comparison.national.shown:
        pdf.para(_("Een vergelijking met andere gemeenten staat er alleen bij als minstens "
                   "%(n)s andere gemeenten erachter staan.", n=view.comparison.threshold), 8)


def _scores_table(pdf: _Report, view: ResultsView, _: Translate) -> None:
    pdf.para(_("Scores per onderdeel"), 12, bold=True, gap=1)
    pdf.font(8)
    headings = [_("Onderdeel"), _("Score"), _("Fase"), _("Deelnemers"), _("Dekking"),
                _("Weet ik niet"), _("Vergelijkbare gemeenten"), _("Alle gemeenten"),
                _("Verschil met vorige ronde")]
    widths: tuple[int, ...] = (34, 12, 22, 15, 14, 14, 19, 16, 18)
    if view.has_targets:  # the working session's target score, in a narrower table
        headings.append(_("Doelscore"))
        widths = (30, 12, 20, 15, 14, 14, 19, 16, 16, 18)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4) as table:
        row = table.row()
        for h in headings:
            row.cell(pdf.text_of(h))
        for d in view.dimensions:
            row = table.row()
            cells = [d.title, format_number(d.score, lang=pdf.lang), d.phase_name,
                     str(d.respondents), format_pct(d.coverage, lang=pdf.lang),
                     format_pct(d.unknown_share, lang=pdf.lang),
                     format_number(d.peer, lang=pdf.lang),
                     format_number(d.national, lang=pdf.lang),
                     format_delta(d.change, lang=pdf.lang)]
            if view.has_targets:
                cells.append(format_level(d.target_score, lang=pdf.lang))
            for cell in cells:
                row.cell(pdf.text_of(cell))
    pdf.ln(4)


def _dimension_notes(pdf: _Report, view: ResultsView, _: Translate) -> None:
    for d in view.dimensions:
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.para(f"{d.title}: {format_number(d.score, lang=pdf.lang)} ({d.phase_name})", 11,
                 bold=True, gap=0.5)
        if d.strongest:
            pdf.para(_("Sterkst: %(items)s", items="; ".join(
                f"{i.label} ({format_level(i.median, lang=pdf.lang)})" for i in d.strongest)),
                8, gap=0.5)
        if d.weakest:
            pdf.para(_("Zwakst: %(items)s", items="; ".join(
                f"{i.label} ({format_level(i.median, lang=pdf.lang)})" for i in d.weakest)),
                8, gap=0.5)
        if d.disagree_items:
            pdf.para(_("Deelnemers zijn het oneens over: %(items)s", items="; ".join(
                i.label for i in d.disagree_items)), 8, gap=0.5)
        pdf.ln(1.5)


def _table(pdf: _Report, widths: tuple[int, ...], headings: list[str],
           rows: list[list[str]]) -> None:
    pdf.font(8)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4) as table:
        row = table.row()
        for h in headings:
            row.cell(pdf.text_of(h))
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(pdf.text_of(cell))
    pdf.ln(4)


def _previous_plan(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """The previous round's targets against this round's scores, and its actions that are done."""
    if view.previous_targets:
        pdf.para(_("Doelen van de vorige ronde"), 12, bold=True, gap=1)
        met = {True: _("Ja, gehaald"), False: _("Nee, nog niet"), None: _("Nog geen score")}
        _table(pdf, (60, 25, 25, 25, 39),
               [_("Onderdeel"), _("Doelniveau"), _("Doelscore"), _("Score nu"), _("Gehaald?")],
               [[t.title, str(t.level), str(t.target_score),
                 format_number(t.score, lang=pdf.lang), met[t.met]]
                for t in view.previous_targets])
    if view.previous_done:
        pdf.para(_("Deze acties uit de vorige ronde zijn klaar:"), 10, bold=True, gap=0.5)
        for a in view.previous_done:
            pdf.para(f"- {a.what} ({a.dimension_title}{', ' + a.who if a.who else ''})", 8,
                     gap=0.3)
        pdf.ln(2)


def _plan(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """The agreed levels beside the medians, and the action plan."""
    if view.agreed:
        pdf.para(_("Afgesproken niveaus"), 12, bold=True, gap=0.5)
        pdf.para(_("Het afgesproken niveau is wat de groep samen vaststelde. Het staat naast de "
                   "antwoorden van de deelnemers en verandert de scores niet."), 8, gap=1)
        _table(pdf, (32, 42, 18, 22, 60),
               [_("Onderdeel"), _("Stelling"), _("Mediaan niveau"), _("Afgesproken niveau"),
                _("Waarom")],
               [[d.title, i.label, format_level(i.median, lang=pdf.lang),
                 format_level(i.agreed_level, lang=pdf.lang), i.agreed_note]
                for d, i in view.agreed])
    if view.actions:
        pdf.para(_("Actieplan"), 12, bold=True, gap=1)
        _table(pdf, (26, 26, 40, 24, 20, 22, 16),
               [_("Onderdeel"), _("Stelling"), _("Wat"), _("Wie"), _("Wanneer klaar"),
                _("Hulpmiddel"), _("Status")],
               [[a.dimension_title, a.item_label or "–", a.what, a.who or "–",
                 a.due_text or "–", a.tool_title or "–", a.status_label]
                for a in view.actions])


def _link(pdf: _Report, url: str) -> None:
    pdf.font(8)
    pdf.set_text_color(0, 80, 160)
    pdf.multi_cell(0, 4, pdf.text_of(url), link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _tool(pdf: _Report, tool: Any, _: Translate) -> None:
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.para(f"{tool.title} ({tool.publisher})", 10, bold=True, gap=0.3)
    for reason in tool.reasons:
        pdf.para("- " + _reason(_, reason.label, reason.level, reason.level_name, pdf.lang),
                 8, gap=0.2)
    _link(pdf, tool.url)
    if tool.url_is_home:
        pdf.para(_("Zoek op de titel op de site van de uitgever."), 8, gap=0.3)
    pdf.ln(2)


def _advice(pdf: _Report, view: ResultsView, _: Translate) -> None:
    pdf.para(_("Aanbevelingen"), 12, bold=True, gap=1)
    blocks = [block for block in view.advice if block.tools or block.discuss]
    for block in blocks:
        pdf.para(block.title, 11, bold=True, gap=0.5)
        if block.discuss is not None:
            pdf.para(_("Bespreek dit eerst samen: %(items)s",
                       items="; ".join(r.label for r in block.discuss.reasons)), 9, gap=0.8)
        for tool in block.tools:
            _tool(pdf, tool, _)
    if not blocks:
        pdf.para(_("Er zijn geen stellingen met een lage score waar de catalogus een hulpmiddel "
                   "voor heeft."), 9)
    if view.coaching is not None:
        pdf.para(view.coaching.title, 10, bold=True, gap=0.3)
        pdf.para(view.coaching.description, 8, gap=0.3)
        _link(pdf, view.coaching.url)


def _reason(_: Translate, label: str, level: float, level_name: str, lang: str) -> str:
    level_text = format_level(level, lang=lang) + (f" ({level_name})" if level_name else "")
    return _("%(label)s staat op niveau %(level)s", label=label, level=level_text)
