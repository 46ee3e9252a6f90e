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
from fpdf.fonts import FontFace

from selfscan.core.results import ResultsView
from selfscan.output import charts
from selfscan.output.formats import DEFAULT_LANG, format_delta, format_level, format_number, format_pct

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Core-font fallback: these characters are outside latin-1 but have a plain equivalent.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "–": "-",
                        "—": "-", "−": "-", "…": "...", "≠": "<>", "•": "-", "€": "EUR"})


# The printable page's colours (static/css/selfscan.css tokens).
TEXT = "#0b1b33"
MUTED = "#3d5374"
ACCENT = "#154273"
ACCENT_BG = "#e5edf6"
BORDER_SUBTLE = "#c0c7d2"
SECTION_GAP = 6.0  # mm of white space before a section heading
CELL_PAD = 1.5  # mm on each side of a table cell's text


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
        self.multi_cell(0, size * 0.5, self.text_of(text), align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.ln(gap)

    def keep_room(self, need: float) -> None:
        """Start a new page unless ``need`` mm fit below: no heading alone at a page's bottom."""
        if self.get_y() + need > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, level: int = 2, need: float = 30) -> None:
        """A section (2) or card (3) heading in the page's accent colour, kept with what follows."""
        self.keep_room(need + (SECTION_GAP if level == 2 else 3))
        if self.get_y() > self.t_margin + 1:
            self.ln(SECTION_GAP if level == 2 else 3)
        self.set_text_color(*_rgb(ACCENT))
        self.para(text, 13 if level == 2 else 11, bold=True, gap=0.5 if level == 2 else 0.3)
        if level == 2:
            self.set_draw_color(*_rgb(BORDER_SUBTLE))
            self.set_line_width(0.3)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(2.5)
        self.set_text_color(*_rgb(TEXT))

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        self.set_text_color(*_rgb(MUTED))
        self.cell(0, 5, self.text_of(f"{self.footer_text} · {self.page_no()}"), align="C")
        self.set_text_color(*_rgb(TEXT))


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
    pdf.set_draw_color(*_rgb(BORDER_SUBTLE))
    for level in (25, 50, 75, 100):
        pdf.polygon([polar.point(i, level) for i in range(polar.n)], style="D")
    for i in range(polar.n):
        pdf.line(polar.cx, polar.cy, *polar.point(i, 100))
    pdf.font(7)
    pdf.set_text_color(*_rgb(MUTED))
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
    pdf.font(8.5)
    pdf.set_text_color(*_rgb(TEXT))
    for trace in traces:  # each series by its name and its line style, not by colour alone
        pdf.set_draw_color(*_rgb(trace["line"]["color"]))
        pdf.set_line_width(0.8)
        dash = _DASHES.get(trace["line"]["dash"], 0)
        pdf.set_dash_pattern(dash=dash, gap=dash)
        pdf.line(pdf.l_margin + 20, y, pdf.l_margin + 34, y)
        pdf.set_dash_pattern()
        pdf.text(pdf.l_margin + 37, y + 1.1, pdf.text_of(trace["name"]))
        y += 5.5
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    return y + 2


Translate = Callable[..., str]
"""gettext: a Dutch message id and its named values -> the text in the reader's language."""


Plural = Callable[..., str]
"""ngettext: a Dutch singular and plural message id, the number (``num``) and named values."""


def _dutch_plural(singular: str, plural: str, num: int, **values: Any) -> str:
    """The untranslated ngettext: the Dutch form that fits ``num``."""
    return (singular if num == 1 else plural) % {"num": num, **values}


def build_pdf(view: ResultsView, gettext: Translate, *, lang: str = DEFAULT_LANG,
              ngettext: Plural | None = None) -> bytes:
    """The report a coordinator takes to the mayor, aldermen and council, in the language of
    ``gettext``, ``ngettext`` (counts with the right plural) and ``lang``, in the order of the
    printable page: facts and summary, radar, scores table, a card per dimension, the working
    session's plan, advice."""
    date_text = view.generated.strftime("%d-%m-%Y")
    pdf = _Report(gettext("Zelfscan %(name)s, %(date)s", name=view.municipality, date=date_text),
                  lang)
    title = gettext("Zelfscan aanpak multiprobleemgezinnen")
    pdf.set_title(pdf.text_of(f"{title}: {view.municipality}"))
    pdf.set_author("CCV")
    pdf.add_page()
    _title_page(pdf, view, gettext, title, date_text)
    _summary(pdf, view, gettext, ngettext or _dutch_plural)
    _scores(pdf, view, gettext)
    _dimension_notes(pdf, view, gettext)
    if view.previous_targets or view.previous_done or view.agreed or view.actions:
        _previous_plan(pdf, view, gettext)
        _plan(pdf, view, gettext)
    _advice(pdf, view, gettext)
    return bytes(pdf.output())


def _title_page(pdf: _Report, view: ResultsView, _: Translate, title: str, date_text: str) -> None:
    pdf.set_text_color(*_rgb(ACCENT))
    pdf.para(f"{title}: {view.municipality}", 18, bold=True, gap=3)
    pdf.set_text_color(*_rgb(TEXT))
    facts = [
        _("Gemeente: %(name)s", name=view.municipality),
        _("Datum: %(date)s", date=date_text),
        _("Ronde: %(year)s %(name)s", year=view.round["year"], name=view.round["name"]),
        _("Versie %(version)s van de vragenlijst", version=view.version),
        _("Aantal deelnemers: %(n)s", n=view.respondents),
    ]
    for fact in facts:
        pdf.para(fact, 10, gap=0.8)
    pdf.ln(2)
    if view.provisional:
        pdf.para(_("Voorlopig: de ronde is nog open. De uitkomsten kunnen nog veranderen."),
                 10, bold=True, gap=2)
    if view.overall is not None:
        pdf.para(_("Totaalscore %(score)s van 100: %(phase)s",
                   score=format_number(view.overall, lang=pdf.lang),
                   phase=view.overall_phase_name), 12, bold=True, gap=1)
        pdf.para(view.overall_phase_description, 9.5, gap=2)
    elif view.missing_dimensions and len(view.missing_dimensions) < len(view.dimensions):
        pdf.para(_("Er is nog geen totaalscore. Daarvoor moeten minstens %(n)s van de "
                   "%(total)s onderdelen een score hebben.", n=view.overall_needs,
                   total=len(view.dimensions)), 10, bold=True, gap=1)
        pdf.para(_("Deze onderdelen hebben nog geen antwoord met een niveau: %(titles)s.",
                   titles=", ".join(view.missing_dimensions)), 9.5, gap=2)


def _summary(pdf: _Report, view: ResultsView, _: Translate, n_: Plural) -> None:
    """The printable page's summary: strongest and weakest dimension, what to talk through
    first, and the first steps; items by their short labels."""
    s = view.summary
    for label, mention in ((_("Sterkste onderdeel:"), s.strongest),
                           (_("Zwakste onderdeel:"), s.weakest)):
        if mention is not None:
            _labelled(pdf, label, [_("%(title)s, score %(score)s", title=mention.title,
                                     score=format_number(mention.score, lang=pdf.lang))])
    talks = []
    for d in s.disagreements:
        named = "; ".join(d.labels)
        if d.more:
            named += " " + n_("en %(num)s andere stelling", "en %(num)s andere stellingen",
                              d.more)
        talks.append(f"{d.title} ({named})")
    if s.more_disagreements:
        talks.append(n_("Ook bij %(num)s ander onderdeel", "Ook bij %(num)s andere onderdelen",
                        s.more_disagreements))
    _labelled(pdf, _("Bespreek dit eerst samen:"), talks)
    _labelled(pdf, _("Eerste stappen:"), [f"{t.title} ({t.dimension_title})"
                                          for t in s.first_steps])
    pdf.ln(2)


def _scores(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """The radar with its legend, then the table that carries the same numbers."""
    pdf.heading(_("Scores per onderdeel"), need=130)
    pdf.set_y(_radar(pdf, view, pdf.get_y()))
    pdf.set_text_color(*_rgb(MUTED))
    pdf.para(_("Scores van 0 tot 100 per onderdeel."), 8.5, gap=1)
    if not view.comparison.peer.shown or not view.comparison.national.shown:
        pdf.para(_("Een vergelijking met andere gemeenten staat er alleen bij als minstens "
                   "%(n)s andere gemeenten erachter staan.", n=view.comparison.threshold), 8.5)
    pdf.set_text_color(*_rgb(TEXT))
    pdf.ln(3)
    pdf.keep_room(30)
    _scores_table(pdf, view, _)


def _scores_table(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """The printable page's table: its columns, in its order."""
    num = pdf.lang
    columns: list[tuple[str, float, Callable[[Any], str]]] = [
        (_("Onderdeel"), 3.0, lambda d: d.title),
        (_("Uw score"), 1.0, lambda d: format_number(d.score, lang=num)),
        (_("Fase"), 1.6, lambda d: d.phase_name or "–"),
        (_("Vergelijkbare gemeenten"), 1.0, lambda d: format_number(d.peer, lang=num)),
    ]
    if view.comparison.caseload.shown:
        columns.append((_("Evenveel gezinnen"), 1.0, lambda d: format_number(d.caseload, lang=num)))
    columns.append((_("Alle gemeenten"), 1.0, lambda d: format_number(d.national, lang=num)))
    if view.previous:
        columns += [(_("Vorige ronde"), 1.0, lambda d: format_number(d.previous, lang=num)),
                    (_("Verschil"), 1.0, lambda d: format_delta(d.change, lang=num))]
    if view.has_targets:
        columns += [(_("Doelniveau"), 1.0, lambda d: format_level(d.target_level, lang=num)),
                    (_("Doelscore"), 1.0, lambda d: format_level(d.target_score, lang=num))]
    _table(pdf, tuple(c[1] for c in columns), [c[0] for c in columns],
           [[c[2](d) for c in columns] for d in view.dimensions])


def _dimension_notes(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """A card per dimension, as on the printable page; items named by their short labels."""
    for d in view.dimensions:
        pdf.heading(f"{d.title}: {format_number(d.score, lang=pdf.lang)} ({d.phase_name or '–'})",
                    level=3, need=22)
        if d.phase_description:
            pdf.para(d.phase_description, 9, gap=0.8)
        facts = _("Deelnemers: %(n)s. Stellingen met antwoord: %(coverage)s. Weet ik niet: "
                  "%(unknown)s.",
                  n=d.respondents, coverage=format_pct(d.coverage, lang=pdf.lang),
                  unknown=format_pct(d.unknown_share, lang=pdf.lang))
        if d.change is not None:
            facts += " " + _("Sinds vorige ronde: %(change)s.",
                             change=format_delta(d.change, lang=pdf.lang))
        pdf.set_text_color(*_rgb(MUTED))
        pdf.para(facts, 8.5, gap=0.8)
        pdf.set_text_color(*_rgb(TEXT))
        _labelled(pdf, _("Sterkst:"), [_median(pdf, i) for i in d.strongest])
        _labelled(pdf, _("Zwakst:"), [_median(pdf, i) for i in d.weakest])
        _labelled(pdf, _("Oneens over:"), [i.label for i in d.disagree_items])


def _median(pdf: _Report, item: Any) -> str:
    return f"{item.label} ({format_level(item.median, lang=pdf.lang)})"


def _labelled(pdf: _Report, label: str, items: list[str]) -> None:
    """A bold label and a list of short item labels, as a paragraph; nothing without items."""
    if not items:
        return
    pdf.set_x(pdf.l_margin)
    pdf.font(9, bold=True)
    pdf.write(4.5, pdf.text_of(label + " "))
    pdf.font(9)
    pdf.write(4.5, pdf.text_of("; ".join(items)))
    pdf.ln(5.1)


def _fit_widths(pdf: _Report, weights: tuple[float, ...], headings: list[str],
                rows: list[list[str]]) -> list[float] | None:
    """Column widths (mm) in which no header or cell has to break inside a word: each column
    is at least as wide as its widest word, the rest of the page is shared by ``weights``.
    None when the words do not fit side by side at the current font size."""
    floor: list[float] = []
    for col, heading in enumerate(headings):
        pdf.font(pdf.font_size_pt, bold=True)
        widest = max(pdf.get_string_width(pdf.text_of(w)) for w in heading.split() or [""])
        pdf.font(pdf.font_size_pt)
        for cells in rows:
            for w in cells[col].split() or [""]:
                widest = max(widest, pdf.get_string_width(pdf.text_of(w)))
        floor.append(widest + 2 * CELL_PAD + 0.5)
    spare = pdf.epw - sum(floor)
    if spare < 0:
        return None
    # Share the page by weight, but never below a column's floor.
    widths = [pdf.epw * w / sum(weights) for w in weights]
    while any(w < f - 1e-6 for w, f in zip(widths, floor, strict=True)):
        fixed = [i for i, (w, f) in enumerate(zip(widths, floor, strict=True)) if w <= f + 1e-6]
        free = [i for i in range(len(weights)) if i not in fixed]
        rest = pdf.epw - sum(floor[i] for i in fixed)
        widths = [floor[i] if i in fixed else rest * weights[i] / sum(weights[j] for j in free)
                  for i in range(len(weights))]
        if not free:
            break
    return widths


def _table(pdf: _Report, weights: tuple[float, ...], headings: list[str],
           rows: list[list[str]]) -> None:
    """A table whose header is set bold on the accent's light background; column widths are
    computed so that no word breaks (a smaller font where 8 pt does not fit)."""
    widths = None
    for size in (8.0, 7.5, 7.0, 6.5, 6.0):
        pdf.font(size)
        widths = _fit_widths(pdf, weights, headings, rows)
        if widths is not None:
            break
    heading_style = FontFace(emphasis="BOLD", color=_rgb(TEXT), fill_color=_rgb(ACCENT_BG))
    with pdf.table(col_widths=tuple(widths or weights), text_align="LEFT",
                   line_height=pdf.font_size * 1.35, padding=(1.2, CELL_PAD),
                   borders_layout="HORIZONTAL_LINES", headings_style=heading_style,
                   first_row_as_headings=True) as table:
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
        pdf.heading(_("Doelen van de vorige ronde"))
        met = {True: _("Ja, gehaald"), False: _("Nee, nog niet"), None: _("Nog geen score")}
        _table(pdf, (3, 1, 1, 1, 1.6),
               [_("Onderdeel"), _("Doelniveau"), _("Doelscore"), _("Score nu"), _("Gehaald?")],
               [[t.title, str(t.level), str(t.target_score),
                 format_number(t.score, lang=pdf.lang), met[t.met]]
                for t in view.previous_targets])
    if view.previous_done:
        pdf.heading(_("Deze acties uit de vorige ronde zijn klaar:"), level=3, need=12)
        for a in view.previous_done:
            pdf.para(f"- {a.what} ({a.dimension_title}{', ' + a.who if a.who else ''})", 8,
                     gap=0.3)
        pdf.ln(2)


def _plan(pdf: _Report, view: ResultsView, _: Translate) -> None:
    """The agreed levels beside the medians, and the action plan."""
    if view.agreed:
        pdf.heading(_("Afgesproken niveaus"))
        pdf.para(_("Het afgesproken niveau is wat de groep samen vaststelde. Het staat naast de "
                   "antwoorden van de deelnemers en verandert de scores niet."), 8, gap=1)
        _table(pdf, (2, 2.6, 1, 1, 3.6),
               [_("Onderdeel"), _("Stelling"), _("Mediaan niveau"), _("Afgesproken niveau"),
                _("Waarom")],
               [[d.title, i.label, format_level(i.median, lang=pdf.lang),
                 format_level(i.agreed_level, lang=pdf.lang), i.agreed_note]
                for d, i in view.agreed])
    if view.actions:
        pdf.heading(_("Actieplan"))
        _table(pdf, (1.6, 1.6, 2.6, 1.5, 1.2, 1.4, 1),
               [_("Onderdeel"), _("Stelling"), _("Wat"), _("Wie"), _("Wanneer klaar"),
                _("Hulpmiddel"), _("Status")],
               [[a.dimension_title, a.item_label or "–", a.what, a.who or "–",
                 a.due_text or "–", a.tool_title or "–", a.status_label]
                for a in view.actions])


def _link(pdf: _Report, url: str) -> None:
    pdf.font(8.5)
    pdf.set_text_color(*_rgb(ACCENT))
    pdf.multi_cell(0, 4.2, pdf.text_of(url), link=url, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_rgb(TEXT))


def _tool(pdf: _Report, tool: Any, _: Translate) -> None:
    """A tool as on the printable page: title (publisher), its reasons, its address."""
    pdf.keep_room(30)  # title, reasons and address together
    pdf.set_x(pdf.l_margin)
    pdf.font(9.5, bold=True)
    pdf.write(4.8, pdf.text_of(tool.title))
    pdf.font(9.5)
    pdf.write(4.8, pdf.text_of(f" ({tool.publisher})"))
    pdf.ln(5.4)
    reasons = "; ".join(_reason(_, r.label, r.level, r.level_name, pdf.lang) for r in tool.reasons)
    if reasons:
        pdf.para(reasons + ".", 8.5, gap=0.4)
    _link(pdf, tool.url)
    if tool.url_is_home:
        pdf.para(f"({_('zoek op de titel op de site van de uitgever')})", 8.5, gap=0.3)
    pdf.ln(2.5)


def _advice(pdf: _Report, view: ResultsView, _: Translate) -> None:
    pdf.heading(_("Wat kunt u doen?"), need=40)
    blocks = [block for block in view.advice if block.tools or block.discuss]
    for block in blocks:
        pdf.heading(block.title, level=3, need=28)
        if block.discuss is not None:
            _labelled(pdf, _("Bespreek dit eerst samen:"),
                      [r.label for r in block.discuss.reasons])
            pdf.ln(1)
        for tool in block.tools:
            _tool(pdf, tool, _)
    if not blocks:
        pdf.para(_("Er zijn geen stellingen met een lage score waar de catalogus een hulpmiddel "
                   "voor heeft."), 9)
    if view.coaching is not None:
        pdf.heading(view.coaching.title, level=3, need=18)
        pdf.para(view.coaching.description, 9, gap=0.4)
        _link(pdf, view.coaching.url)


def _reason(_: Translate, label: str, level: float, level_name: str, lang: str) -> str:
    level_text = format_level(level, lang=lang) + (f" ({level_name})" if level_name else "")
    return _("%(label)s staat op niveau %(level)s", label=label, level=level_text)
