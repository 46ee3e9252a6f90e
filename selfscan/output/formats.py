"""How numbers read: scores, shares, changes and levels, the same on pages, in the PDF and exports.

The one place that decides how a number is written for people. Dutch writes a decimal comma
(68,1; 1,5; −2,5), English a decimal point (68.1; 1.5; −2.5); every function takes the reader's
language as ``lang`` ("nl" when not given, the service's default language). Numbers here never
get a thousands separator (scores run from 0 to 100).

Machine-readable output keeps plain numbers with a decimal point whatever the language: JSON
exports, the CCV's comma-separated benchmark export and its SQLite file. Spreadsheet CSV files
(a municipality's downloads) write their numbers with ``spreadsheet_number``; charts get the
language's separators from ``plotly_separators``.
"""

from __future__ import annotations

from decimal import Decimal

DEFAULT_LANG = "nl"
DECIMAL_COMMA_LANGUAGES = frozenset({"nl"})
"""Languages that write a decimal comma; every other language writes a decimal point."""


def decimal_mark(lang: str = DEFAULT_LANG) -> str:
    """The decimal separator of a language: "," for Dutch, "." otherwise."""
    return "," if lang in DECIMAL_COMMA_LANGUAGES else "."


def _localise(text: str, lang: str) -> str:
    # `text` is a number as Python writes it without grouping: its only "." is the decimal point.
    return text.replace(".", ",") if lang in DECIMAL_COMMA_LANGUAGES else text


def format_number(value: float | None, digits: int = 1, *, lang: str = DEFAULT_LANG) -> str:
    """A score with `digits` decimals in the language's notation; a dash when there is none."""
    return "–" if value is None else _localise(f"{value:.{digits}f}", lang)


def format_pct(value: float | None, *, lang: str = DEFAULT_LANG) -> str:
    """A share (0..1) as a whole percentage ("68%" in both languages); a dash when there is none."""
    del lang  # whole numbers read the same in every language
    return "–" if value is None else f"{round(value * 100)}%"


def format_delta(value: float | None, digits: int = 1, *, lang: str = DEFAULT_LANG) -> str:
    """A change with its sign (a true minus sign); "0" for no change, a dash when unknown."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + _localise(f"{abs(value):.{digits}f}", lang)


def format_level(level: float | None, *, lang: str = DEFAULT_LANG) -> str:
    """1.0 -> "1", 1.5 -> "1,5" (Dutch) or "1.5": a median level, whole where it is whole."""
    if level is None:
        return "–"
    return str(int(level)) if float(level).is_integer() else _localise(f"{level:.1f}", lang)


def spreadsheet_number(value: float, *, lang: str = DEFAULT_LANG) -> str:
    """A number in a spreadsheet CSV: every digit the export holds (75.0 -> "75,0", 0.667 ->
    "0,667" in Dutch), no grouping, no exponent, and a plain "-" so that the spreadsheet reads
    it as a number."""
    # The shortest text that reads back as the same float (68.1, not 68.099999999999994).
    return _localise(format(Decimal(repr(float(value))), "f"), lang)


def plotly_separators(lang: str = DEFAULT_LANG) -> str:
    """Plotly's layout ``separators`` (decimal mark, then thousands mark) for a language."""
    return ",." if lang in DECIMAL_COMMA_LANGUAGES else ".,"
